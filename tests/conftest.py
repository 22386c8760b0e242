"""Fixtures shared by every tier."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import Settings


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    """Test settings that never read the developer's ``.env``.

    Redis stays off unless a test asks for it: ``services.sh env`` exports ``DOMTOK_REDIS_URL``
    for the integration tier, and tests that share one Redis would share its state too.
    """
    values: dict[str, object] = {"environment": "test", "data_dir": data_dir, "redis_url": ""}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Embedded-default settings in a private data directory."""
    return make_settings(tmp_path)
