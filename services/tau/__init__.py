"""τ²-bench retail compatibility: import/export of τ's database, the τ support desk (τ's 16
tools over our services), replay and comparison against τ's expected states.

The data and the support policy (``policy.md``) come from the public τ²-bench repository (MIT
licence, Copyright (c) 2025 Sierra Research; see ``services/seed/data/TAU2_LICENSE``).
"""
