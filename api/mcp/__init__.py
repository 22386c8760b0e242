"""DomTok over the Model Context Protocol: the shop's tools for other AI agents (``domtok mcp``)."""
