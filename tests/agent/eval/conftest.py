"""The evaluation harness over a demo-seeded template shop (built once per session)."""

from __future__ import annotations

import asyncio

import pytest

from agent.eval.shop import Template, build_template


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """A migrated, demo-seeded SQLite template; its ids are the same in every copy."""
    return asyncio.run(build_template(tmp_path_factory.mktemp("eval")))
