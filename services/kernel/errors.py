"""One exception tree for the whole shop; each error carries its HTTP status.

    ShopError (500)
    ├── BadRequest (400)        a request the rules refuse (not a schema problem)
    ├── Unauthorized (401)      missing, invalid, expired or revoked credentials
    ├── PaymentRequired (402)   the payment provider refused the charge
    ├── Forbidden (403)         authenticated but not allowed (role)
    ├── NotFound (404)          does not exist, or belongs to someone else
    ├── Conflict (409)          clashes with the current state (stock, status, duplicates)
    ├── Unprocessable (422)     payload validation
    ├── PayloadTooLarge (413)   uploads over the limit
    ├── RateLimited (429)       too many attempts
    └── Unavailable (503)       a dependency failed transiently; retrying may succeed

The API renders them as ``{"error": {"code", "message", "details"}}``; the agent's tools return
the same code and message to the model so it can explain a refusal.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar


class ShopError(Exception):
    """Base of every expected failure of the service layer."""

    status_code: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        """The error envelope's body."""
        return {"code": self.code, "message": self.message, "details": self.details}


class BadRequest(ShopError):
    status_code = 400
    code = "bad_request"


class Unauthorized(ShopError):
    status_code = 401
    code = "unauthorized"


class PaymentRequired(ShopError):
    status_code = 402
    code = "payment_required"


class Forbidden(ShopError):
    status_code = 403
    code = "forbidden"


class NotFound(ShopError):
    status_code = 404
    code = "not_found"


class Conflict(ShopError):
    status_code = 409
    code = "conflict"


class Unprocessable(ShopError):
    status_code = 422
    code = "validation_error"


class PayloadTooLarge(ShopError):
    status_code = 413
    code = "payload_too_large"


class RateLimited(ShopError):
    """Too many attempts; ``retry_after`` (whole seconds, at least 1) says when to come back and
    travels as the ``Retry-After`` header and ``details.retry_after_seconds``."""

    status_code = 429
    code = "rate_limited"

    def __init__(
        self, message: str, *, retry_after: float = 60, details: dict[str, Any] | None = None
    ) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        super().__init__(
            message, details={**(details or {}), "retry_after_seconds": self.retry_after}
        )


class Unavailable(ShopError):
    status_code = 503
    code = "service_unavailable"


class Busy(Unavailable):
    """No database connection came free in time: the request is shed, retrying may succeed."""

    code = "busy"
