"""τ-bench retail's customer-service policy, shipped with the package (``policy.md``)."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def retail_policy() -> str:
    """The policy text the support agent follows (τ²-bench retail, MIT, Sierra Research)."""
    return resources.files("services.tau").joinpath("policy.md").read_text(encoding="utf-8")
