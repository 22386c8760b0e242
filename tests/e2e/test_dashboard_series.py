"""The dashboard's label filters match series the API really exports after real orders."""

from __future__ import annotations

import re

import httpx

from services.bootstrap import Container
from tests.e2e.order_helpers import new_buyer, ok, open_shop, paid_order, place
from tests.unit.observability.test_deployment_files import dashboard_expressions

_MATCHER = re.compile(r'(domtok_[a-z_]+)\{(\w+)=~?"([^"]+)"\}')


async def test_the_orders_panel_filters_on_kinds_the_api_emits(
    client: httpx.AsyncClient, container: Container
) -> None:
    shop = await open_shop(client, container, stock=[5])
    buyer = await new_buyer(client)
    ok(await place(client, buyer, [(shop.variant_id(0), 1)]), 201)
    await paid_order(client, buyer, [(shop.variant_id(0), 1)])
    exported = (await client.get("http://test/metrics")).text
    filters = [m for e in dashboard_expressions() for m in _MATCHER.findall(e)]
    assert ("domtok_order_events_total", "kind", "created|paid") in filters
    for metric, label, values in filters:
        for value in values.split("|"):
            assert f'{metric}{{{label}="{value}"}}' in exported, (metric, value)
