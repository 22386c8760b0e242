"""Who is acting: the authenticated user and their role, passed into every service call.

The API builds it from the bearer token; the agent's tools take it from the run's context.
It is never built from arguments a model fills in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from services.kernel.errors import Forbidden

RoleName = Literal["customer", "merchant", "admin"]


@dataclass(frozen=True, slots=True)
class Actor:
    """The acting user."""

    user_id: str
    role: RoleName = "customer"

    @property
    def is_admin(self) -> bool:
        """Admins may act on every resource."""
        return self.role == "admin"

    @property
    def is_staff(self) -> bool:
        """Merchants and admins manage the catalog and fulfil orders."""
        return self.role in ("merchant", "admin")

    def require_admin(self) -> None:
        """Refuse unless the actor is an admin."""
        if not self.is_admin:
            raise Forbidden("This action needs the admin role.")

    def require_staff(self) -> None:
        """Refuse unless the actor is a merchant or an admin."""
        if not self.is_staff:
            raise Forbidden("This action needs the merchant or admin role.")
