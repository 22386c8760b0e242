"""Bundled demo data: the τ²-bench retail database (MIT, Sierra Research; see TAU2_LICENSE)."""
