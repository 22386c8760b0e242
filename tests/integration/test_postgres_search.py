"""The SQL search engine on a real PostgreSQL: the shared keyword cases (tests/search_cases.py)
answered from ``products.search_vector``, and the GIN index serving the keyword condition."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from services.bootstrap import Container, bootstrap
from services.catalog.search import SearchQuery
from services.catalog.search_sql import SqlProductSearch
from tests.conftest import make_settings
from tests.databases import (
    SKIP_REASON,
    create_database,
    drop_database,
    postgres_base_url,
    unique_name,
)
from tests.search_cases import CASES, SYNTAX, admin, build_catalog

pytestmark = pytest.mark.integration


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh clone of the migrated PostgreSQL template (dropped afterwards)."""
    base = postgres_base_url()
    if not base:
        pytest.skip(SKIP_REASON)
    template = request.getfixturevalue("postgres_template")
    name = unique_name("domtok_search")
    yield create_database(base, name, template)
    drop_database(base, name)


@pytest.fixture
async def container(tmp_path: Path, postgres_url: str) -> AsyncIterator[Container]:
    """The service container over that database, holding the shared search catalog."""
    built = bootstrap(make_settings(tmp_path, database_url=postgres_url))
    try:
        await build_catalog(built, await admin(built))
        yield built
    finally:
        await built.aclose()


async def test_postgres_answers_the_shared_keyword_cases(container: Container) -> None:
    engine = container.search.engine
    assert isinstance(engine, SqlProductSearch)
    found = {}
    for q, _ in CASES:
        found[q] = [item.name for item in (await engine.search(SearchQuery(text=q))).items]
    assert found == dict(CASES)
    for q in SYNTAX:
        await engine.search(SearchQuery(text=q))


async def test_the_keyword_condition_can_use_the_gin_index(container: Container) -> None:
    async with container.uow() as uow:
        await uow.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = await uow.session.scalars(
            text(
                "EXPLAIN SELECT id FROM products WHERE search_vector @@"
                " phraseto_tsquery('domtok_search', 'yoga mats')"
            )
        )
        assert "ix_products_search_vector" in "\n".join(plan)
