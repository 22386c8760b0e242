"""``201 Created`` names what it created in ``Location``, a path under the API's prefix.

Things without a URL of their own name the resource that lists them: a claimed coupon its
owner's coupons, a return or a payment token its order, a new coupon the claimable coupons.
"""

from __future__ import annotations

from fastapi import Response

API_PREFIX = "/api/v1"


def locate(response: Response, path: str) -> None:
    """Set ``Location: /api/v1<path>`` on a 201 response."""
    response.headers["Location"] = API_PREFIX + path
