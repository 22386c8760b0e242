"""Payments: the payment provider port (gateway) and, later, charges and refunds of orders."""
