"""Approvals: a COMMIT call an outside agent (an MCP client) asked for, waiting for the shopper."""
