"""Carts: one cart per user, priced from current catalog prices."""
