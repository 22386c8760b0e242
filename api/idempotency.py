"""The ``Idempotency-Key`` header and replayed responses."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header
from fastapi.responses import JSONResponse

from services.kernel.idempotency import IdempotentResult

KEY_DOC = "Retries with the same key and body replay the first response (max 255 chars)"

OptionalIdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", max_length=255, description=KEY_DOC)
]
RequiredIdempotencyKey = Annotated[
    str, Header(alias="Idempotency-Key", min_length=1, max_length=255, description=KEY_DOC)
]


def idempotent_response(result: IdempotentResult) -> JSONResponse:
    """The stored or fresh response; a replay says so in ``Idempotent-Replayed: true``."""
    headers = {"Idempotent-Replayed": "true"} if result.replayed else None
    return JSONResponse(result.body, result.status_code, headers=headers)
