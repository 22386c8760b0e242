"""The unpaid-order limits' defaults: the settings and the orders context agree."""

from __future__ import annotations

import pytest

from config.settings import Settings
from services.orders.limits import UnpaidLimits


def test_defaults_allow_five_unpaid_orders_and_ten_units_of_a_variant(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DOMTOK_MAX_UNPAID_ORDERS", raising=False)
    monkeypatch.delenv("DOMTOK_MAX_UNPAID_UNITS_PER_VARIANT", raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.max_unpaid_orders, settings.max_unpaid_units_per_variant) == (5, 10)
    assert UnpaidLimits() == UnpaidLimits(5, 10)
