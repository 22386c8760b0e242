"""Fail-safe search: Elasticsearch first, SQL when it cannot answer.

Each fallback is logged as a warning and counted in ``domtok_search_fallbacks_total``. After a
failure the primary engine rests for ``retry_after`` seconds, so a hanging server does not add
its timeout to every request; the first search after that tries it again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from services.catalog.search import ProductSearch, SearchPage, SearchQuery, SearchUnavailable
from services.kernel.metrics import SEARCH_FALLBACKS, SEARCH_REQUESTS

log = logging.getLogger(__name__)


class FallbackProductSearch:
    """A :class:`ProductSearch` that answers from ``fallback`` while ``primary`` is down."""

    def __init__(
        self,
        primary: ProductSearch,
        fallback: ProductSearch,
        *,
        retry_after: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._primary = primary
        self._fallback = fallback
        self._retry_after = retry_after
        self._monotonic = monotonic
        self._resting_until = 0.0

    async def search(self, query: SearchQuery) -> SearchPage:
        """Search with the primary engine, or the fallback when it is unavailable."""
        if self._monotonic() >= self._resting_until:
            try:
                return await self._primary.search(query)
            except SearchUnavailable as error:
                self._resting_until = self._monotonic() + self._retry_after
                SEARCH_FALLBACKS.labels(reason=error.reason).inc()
                log.warning("search falls back to SQL: Elasticsearch %s", error)
        else:
            SEARCH_FALLBACKS.labels(reason="resting").inc()
        SEARCH_REQUESTS.labels(engine="sql").inc()
        return await self._fallback.search(query)
