"""The τ support desk: τ-bench retail's 16 tools over our services (see :mod:`desk_base`)."""

from __future__ import annotations

from services.tau.calculator import calculate
from services.tau.desk_base import DeskSession
from services.tau.desk_writes import DeskWrites


class TauDesk(DeskWrites):
    """Staff serving one customer with τ's tools; every call returns τ-shaped data."""

    async def calculate(self, expression: str) -> str:
        """Arithmetic with + - * / and parentheses, rounded to 2 decimals."""
        return calculate(expression)


__all__ = ["DeskSession", "TauDesk"]
