"""Orders: placing, paying, the order state machine, expiry, changes, returns and exchanges."""
