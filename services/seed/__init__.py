"""Demo data: the τ²-bench retail catalog and shoppers, and demo accounts (``domtok seed``)."""
