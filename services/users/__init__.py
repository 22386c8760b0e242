"""Users: accounts, authentication, roles, addresses and saved payment methods."""
