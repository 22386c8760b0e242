"""Product embeddings for hybrid search: kept in ``product_embeddings``, searched in memory.

Lazy and self-healing rather than event-driven, so no write path (services, the seed's bulk
inserts, raw SQL, another process) can leave an embedding behind: before a search, at most
every ``check_seconds``, the store reads the catalog's version (how many products there are
and the latest ``updated_at`` of products and categories). When it moved, the products whose
embedding is missing or older than the product or its category are embedded — at most
``batch_limit`` per search, so the first search after a bulk import is not held up for long;
``domtok search embed`` does them all at once — and the in-memory matrix is reloaded. The
table is shared, so each product is embedded once, by whichever process sees it first.

numpy is imported here; this module is only imported when ``DOMTOK_SEARCH_VECTORS=on``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.catalog.embeddings import Embedder, product_text
from services.catalog.models import Category, Product, ProductEmbedding

# Products embedded per model call and per transaction.
EMBED_BATCH = 64
# Products a search embeds before it answers from what is there (the rest: next searches).
BATCH_LIMIT = 256
VECTOR_DTYPE = "<f4"

Version = tuple[int, datetime | None, datetime | None]


@dataclass(frozen=True, slots=True)
class Neighbour:
    """A product close to the query, with the cosine similarity of their embeddings."""

    product_id: str
    similarity: float


def to_bytes(vector: Sequence[float]) -> bytes:
    """A vector as stored: little-endian float32."""
    return np.asarray(vector, dtype=VECTOR_DTYPE).tobytes()


class VectorMatrix:
    """Unit-length product vectors, one row each, searched by dot product (= cosine)."""

    def __init__(self, product_ids: list[str], rows: np.ndarray) -> None:
        self.product_ids = product_ids
        self._rows = rows

    @classmethod
    def from_stored(cls, stored: Iterable[tuple[str, bytes]], dimensions: int) -> VectorMatrix:
        """A matrix from ``(product_id, vector bytes)`` pairs; vectors of another size are
        left out (made by a model of the same name but another shape)."""
        ids: list[str] = []
        vectors: list[np.ndarray] = []
        for product_id, data in stored:
            vector = np.frombuffer(data, dtype=VECTOR_DTYPE)
            if vector.shape == (dimensions,):
                ids.append(product_id)
                vectors.append(vector)
        rows = np.vstack(vectors) if vectors else np.zeros((0, dimensions), dtype=np.float32)
        return cls(ids, rows)

    def __len__(self) -> int:
        return len(self.product_ids)

    def nearest(self, query: Sequence[float], limit: int, floor: float) -> list[Neighbour]:
        """Up to ``limit`` products with similarity ≥ ``floor``, the closest first."""
        if not self.product_ids or limit <= 0:
            return []
        similarity = self._rows @ np.asarray(query, dtype=np.float32)
        if limit < len(similarity):
            top = np.argpartition(-similarity, limit - 1)[:limit]
        else:
            top = np.arange(len(similarity))
        ranked = sorted(top.tolist(), key=lambda i: (-float(similarity[i]), self.product_ids[i]))
        return [
            Neighbour(self.product_ids[i], float(similarity[i]))
            for i in ranked
            if similarity[i] >= floor
        ]


def _source_updated_at() -> Any:
    """The later of the product's and its category's ``updated_at``."""
    return case(
        (Category.updated_at > Product.updated_at, Category.updated_at),
        else_=Product.updated_at,
    )


class ProductVectors:
    """The embeddings of active products for one embedder, kept current lazily (see above)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        embedder: Embedder,
        check_seconds: float = 1.0,
        batch_limit: int = BATCH_LIMIT,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._embedder = embedder
        self._check_seconds = check_seconds
        self._batch_limit = batch_limit
        self._monotonic = monotonic
        self._lock = asyncio.Lock()
        # One thread runs every model call: torch keeps a pool of worker threads per calling
        # thread, and two pools spinning on two cores made each query take ~0.5 s, not ~15 ms.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="domtok-embed")
        self._matrix: VectorMatrix | None = None
        self._seen: Version | None = None
        self._checked_at = float("-inf")

    async def nearest(self, text: str, limit: int, floor: float) -> list[Neighbour]:
        """The active products closest to ``text`` (after catching up with catalog changes)."""
        matrix = await self.current()
        (query,) = await self.embed([text])
        return matrix.nearest(query, limit, floor)

    def close(self) -> None:
        """Let the model's thread end (a call under way finishes first)."""
        self._executor.shutdown(wait=False)

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """The embedder's vectors for ``texts``, computed off the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._embedder.embed, list(texts))

    async def current(self) -> VectorMatrix:
        """The matrix, refreshed first if the catalog changed since it was loaded."""
        if self._matrix is None or self._monotonic() - self._checked_at >= self._check_seconds:
            async with self._lock:
                await self._refresh()
        assert self._matrix is not None
        return self._matrix

    async def embed_all(self, progress: Callable[[int], None] | None = None) -> int:
        """Embed every product that lacks a current embedding; how many were embedded."""
        done = 0
        while batch := await self._embed_stale(EMBED_BATCH):
            done += batch
            if progress is not None:
                progress(done)
        self._seen = None  # this process's matrix reloads on its next search
        return done

    async def stale_count(self) -> int:
        """How many active products lack a current embedding."""
        async with self._sessions() as session:
            statement = self._stale(select(func.count()).select_from(Product))
            return int(await session.scalar(statement) or 0)

    async def _refresh(self) -> None:
        if self._matrix is not None and self._monotonic() - self._checked_at < self._check_seconds:
            return  # another search refreshed it while this one waited for the lock
        version = await self._version()
        if self._matrix is None or version != self._seen:
            embedded = 0
            while embedded < self._batch_limit:
                batch = await self._embed_stale(min(EMBED_BATCH, self._batch_limit - embedded))
                if not batch:
                    break
                embedded += batch
            self._matrix = await self._load()
            # With work left over, the next check looks again whatever the version says.
            self._seen = version if embedded < self._batch_limit else None
        self._checked_at = self._monotonic()

    async def _version(self) -> Version:
        latest_category = select(func.max(Category.updated_at)).scalar_subquery()
        async with self._sessions() as session:
            row = (
                await session.execute(
                    select(func.count(Product.id), func.max(Product.updated_at), latest_category)
                )
            ).one()
        return int(row[0]), row[1], row[2]

    def _stale(self, statement: Any) -> Any:
        current = and_(
            ProductEmbedding.product_id == Product.id,
            ProductEmbedding.model == self._embedder.model,
        )
        return (
            statement.join(Category, Category.id == Product.category_id)
            .outerjoin(ProductEmbedding, current)
            .where(
                Product.is_active.is_(True),
                or_(
                    ProductEmbedding.product_id.is_(None),
                    ProductEmbedding.source_updated_at != _source_updated_at(),
                ),
            )
        )

    async def _embed_stale(self, limit: int) -> int:
        columns = (
            Product.id,
            Product.name,
            Category.name,
            Product.description,
            Product.search_terms,
            _source_updated_at(),
        )
        async with self._sessions() as session:
            statement = self._stale(select(*columns).select_from(Product))
            rows = list(await session.execute(statement.order_by(Product.id).limit(limit)))
            if not rows:
                return 0
            texts = [product_text(r[1], r[2], r[3], r[4]) for r in rows]
            vectors = await self.embed(texts)
            values = [
                {
                    "product_id": row[0],
                    "model": self._embedder.model,
                    "vector": to_bytes(vector),
                    "source_updated_at": row[5],
                }
                for row, vector in zip(rows, vectors, strict=True)
            ]
            await session.execute(_upsert(session.get_bind().dialect.name, values))
            await session.commit()
        return len(rows)

    async def _load(self) -> VectorMatrix:
        async with self._sessions() as session:
            rows = await session.execute(
                select(ProductEmbedding.product_id, ProductEmbedding.vector)
                .join(Product, Product.id == ProductEmbedding.product_id)
                .where(Product.is_active.is_(True), ProductEmbedding.model == self._embedder.model)
                .order_by(ProductEmbedding.product_id)
            )
            stored = [(product_id, bytes(vector)) for product_id, vector in rows]
        return VectorMatrix.from_stored(stored, self._embedder.dimensions)


def _upsert(dialect: str, values: list[dict[str, Any]]) -> Any:
    """Insert embeddings, replacing a product's older one (two processes may race)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(ProductEmbedding).values(values)
    return statement.on_conflict_do_update(
        index_elements=[ProductEmbedding.product_id, ProductEmbedding.model],
        set_={
            "vector": statement.excluded.vector,
            "source_updated_at": statement.excluded.source_updated_at,
        },
    )
