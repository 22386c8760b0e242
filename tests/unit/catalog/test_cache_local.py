"""The in-process catalog cache: expiry, invalidation by committed events, shared loads."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest

from services.catalog.cache_local import LocalCatalogCache
from services.catalog.errors import ProductNotFound
from services.catalog.schemas import (
    CategoryIn,
    CategoryRef,
    PriceIn,
    ProductIn,
    ProductOut,
    VariantIn,
    VariantOut,
    VariantPatch,
)
from services.catalog.search import SearchPage, SearchQuery
from services.catalog.service import CatalogService
from services.kernel.actor import Actor
from services.kernel.events import DomainEvent, InProcessEventBus
from services.kernel.money import MoneyOut
from services.kernel.uow import SqlUnitOfWork
from tests.unit.catalog.fakes import FakeShop, FakeStorage, NoSearch

TTL = 2.0
MERCHANT = Actor("usr_m", "merchant")


class Clock:
    """Monotonic seconds that tests move by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Loader:
    """Counts loads; each returns a page at the current ``price``."""

    def __init__(self, product_id: str = "prd_1", variant_id: str = "var_1") -> None:
        self.product_id = product_id
        self.variant_id = variant_id
        self.price = 1000
        self.calls = 0

    async def __call__(self) -> ProductOut:
        self.calls += 1
        return page(self.product_id, self.variant_id, self.price)


def page(product_id: str, variant_id: str, price: int) -> ProductOut:
    money = MoneyOut.of(price, "USD")
    when = datetime(2026, 1, 1, tzinfo=UTC)
    return ProductOut(
        id=product_id,
        name="Kettle",
        description="",
        category=CategoryRef(id="cat_1", name="Kitchen"),
        merchant_id=None,
        is_active=True,
        in_stock=True,
        min_price=money,
        max_price=money,
        options={},
        variants=[
            VariantOut(
                id=variant_id,
                product_id=product_id,
                options={},
                price=money,
                price_version=1,
                on_hand=5,
                reserved=0,
                available=5,
                is_available=True,
                in_stock=True,
            )
        ],
        images=[],
        created_at=when,
        updated_at=when,
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(clock: Clock) -> LocalCatalogCache:
    return LocalCatalogCache(TTL, now=clock)


async def test_a_page_is_loaded_once_and_served_from_memory_until_it_expires(
    cache: LocalCatalogCache, clock: Clock
) -> None:
    load = Loader()
    first = await cache.product("prd_1", load)
    load.price = 2000  # changed by another process: no event reaches this one
    clock.now += TTL - 0.01
    assert (await cache.product("prd_1", load)).min_price == first.min_price
    assert load.calls == 1
    clock.now += 0.02
    refreshed = await cache.product("prd_1", load)
    assert refreshed.min_price == MoneyOut.of(2000, "USD")
    assert load.calls == 2


async def test_the_json_is_the_pages_json_and_readers_get_their_own_copy(
    cache: LocalCatalogCache,
) -> None:
    load = Loader()
    body = await cache.product_json("prd_1", load)
    assert ProductOut.model_validate_json(body) == await load()
    mine = await cache.product("prd_1", load)
    mine.variants.clear()
    assert len((await cache.product("prd_1", load)).variants) == 1
    assert await cache.product_json("prd_1", load) == body


async def test_concurrent_misses_share_one_load(cache: LocalCatalogCache) -> None:
    gate = asyncio.Event()
    calls = 0

    async def slow() -> ProductOut:
        nonlocal calls
        calls += 1
        await gate.wait()
        return page("prd_1", "var_1", 1000)

    readers = [asyncio.create_task(cache.product_json("prd_1", slow)) for _ in range(5)]
    await asyncio.sleep(0)
    gate.set()
    bodies = await asyncio.gather(*readers)
    assert calls == 1
    assert len(set(bodies)) == 1


async def test_a_reader_that_gives_up_does_not_cancel_the_load_for_the_others(
    cache: LocalCatalogCache,
) -> None:
    gate = asyncio.Event()

    async def slow() -> ProductOut:
        await gate.wait()
        return page("prd_1", "var_1", 1000)

    impatient = asyncio.create_task(cache.product_json("prd_1", slow))
    patient = asyncio.create_task(cache.product_json("prd_1", slow))
    await asyncio.sleep(0)
    impatient.cancel()
    gate.set()
    assert ProductOut.model_validate_json(await patient).id == "prd_1"


async def test_a_failed_load_is_not_cached(cache: LocalCatalogCache) -> None:
    async def missing() -> ProductOut:
        raise ProductNotFound("No such product.")

    with pytest.raises(ProductNotFound):
        await cache.product("prd_1", missing)
    load = Loader()
    assert (await cache.product("prd_1", load)).id == "prd_1"
    assert load.calls == 1


async def test_product_and_variant_events_drop_their_product_and_every_search(
    cache: LocalCatalogCache,
) -> None:
    one, two = Loader("prd_1", "var_1"), Loader("prd_2", "var_2")
    searches = SearchLoads()
    for event in (
        DomainEvent("product.updated", "prd_1", {"product_id": "prd_1"}),
        DomainEvent("product.deleted", "prd_1"),
        DomainEvent("variant.price_changed", "var_1", {"product_id": "prd_1"}),
    ):
        await cache.product("prd_1", one)
        await cache.product("prd_2", two)
        await cache.search(SearchQuery(text="kettle"), searches)
        before = (one.calls, two.calls, searches.calls)
        await cache.on_event(event)
        await cache.product("prd_1", one)
        await cache.product("prd_2", two)
        await cache.search(SearchQuery(text="kettle"), searches)
        assert (one.calls, two.calls, searches.calls) == (
            before[0] + 1,
            before[1],
            before[2] + 1,
        ), event.type


async def test_a_stock_change_by_variant_drops_the_page_that_shows_that_variant(
    cache: LocalCatalogCache,
) -> None:
    one, two = Loader("prd_1", "var_1"), Loader("prd_2", "var_2")
    await cache.product("prd_1", one)
    await cache.product("prd_2", two)
    # Orders name only the variant whose units they reserve.
    await cache.on_event(DomainEvent("stock.changed", "var_2", {"reserved": 1}))
    await cache.product("prd_1", one)
    await cache.product("prd_2", two)
    assert (one.calls, two.calls) == (1, 2)


async def test_a_category_change_drops_every_page(cache: LocalCatalogCache) -> None:
    one, two = Loader("prd_1", "var_1"), Loader("prd_2", "var_2")
    await cache.product("prd_1", one)
    await cache.product("prd_2", two)
    await cache.on_event(DomainEvent("category.renamed", "cat_1", {"category_id": "cat_1"}))
    await cache.product("prd_1", one)
    await cache.product("prd_2", two)
    assert (one.calls, two.calls) == (2, 2)


async def test_events_of_other_contexts_keep_every_page(cache: LocalCatalogCache) -> None:
    load = Loader()
    await cache.product("prd_1", load)
    await cache.on_event(DomainEvent("order.created", "ord_1", {"lines": 1}))
    await cache.on_event(DomainEvent("user.registered", "usr_1", {"role": "customer"}))
    await cache.product("prd_1", load)
    assert load.calls == 1


async def test_a_load_racing_a_change_answers_its_readers_but_is_not_kept(
    cache: LocalCatalogCache,
) -> None:
    gate = asyncio.Event()
    prices = iter([1000, 2000])
    calls = 0

    async def slow() -> ProductOut:
        nonlocal calls
        calls += 1
        price = next(prices)
        if price == 1000:
            await gate.wait()
        return page("prd_1", "var_1", price)

    early = asyncio.create_task(cache.product("prd_1", slow))
    await asyncio.sleep(0)
    await cache.on_event(DomainEvent("variant.price_changed", "var_1", {"product_id": "prd_1"}))
    # Asked after the change: must not join the load that may have read the old price.
    late = await asyncio.wait_for(cache.product("prd_1", slow), timeout=5)
    gate.set()
    assert (await early).min_price == MoneyOut.of(1000, "USD")
    assert late.min_price == MoneyOut.of(2000, "USD")
    again = await cache.product("prd_1", slow)
    assert again.min_price == MoneyOut.of(2000, "USD")
    assert calls == 2


async def test_the_oldest_entries_go_past_the_size_limit(clock: Clock) -> None:
    cache = LocalCatalogCache(TTL, max_entries=2, now=clock)
    loads = {pid: Loader(pid, f"var_{pid}") for pid in ("prd_1", "prd_2", "prd_3")}
    for pid, load in loads.items():
        await cache.product(pid, load)
    await cache.product("prd_3", loads["prd_3"])
    await cache.product("prd_1", loads["prd_1"])
    assert [loads[pid].calls for pid in ("prd_1", "prd_2", "prd_3")] == [2, 1, 1]


class SearchLoads:
    """Counts search loads."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self) -> SearchPage:
        self.calls += 1
        return SearchPage(items=[], total=0, page=1, page_size=20)


async def test_search_pages_are_cached_per_query(cache: LocalCatalogCache, clock: Clock) -> None:
    loads = SearchLoads()
    await cache.search(SearchQuery(text="kettle"), loads)
    body = await cache.search_json(SearchQuery(text="kettle"), loads)
    await cache.search(SearchQuery(text="kettle", in_stock=True), loads)
    assert loads.calls == 2
    assert SearchPage.model_validate_json(body).total == 0
    clock.now += TTL
    await cache.search(SearchQuery(text="kettle"), loads)
    assert loads.calls == 3


class FakeSession:
    """Just enough of a session for a unit of work that commits or rolls back."""

    async def execute(self, *_args: Any, **_kwargs: Any) -> None:
        return None

    async def commit(self) -> None:
        return None

    async def rollback(self) -> None:
        return None

    async def close(self) -> None:
        return None


def unit_of_work(bus: InProcessEventBus) -> SqlUnitOfWork:
    return SqlUnitOfWork(lambda: FakeSession(), bus)  # type: ignore[arg-type,return-value]


async def test_a_committed_change_drops_the_page_and_a_rolled_back_one_does_not(
    cache: LocalCatalogCache,
) -> None:
    bus = InProcessEventBus()
    bus.subscribe("*", cache.on_event)
    load = Loader()
    await cache.product("prd_1", load)
    changed = DomainEvent("variant.price_changed", "var_1", {"product_id": "prd_1"})
    async with unit_of_work(bus) as work:
        work.emit(changed)
    async with unit_of_work(bus) as work:
        work.emit(changed)
        await work.rollback()
    await cache.product("prd_1", load)
    assert load.calls == 1
    async with unit_of_work(bus) as work:
        work.emit(changed)
        await work.commit()
    await cache.product("prd_1", load)
    assert load.calls == 2


async def test_the_catalog_shows_its_own_price_change_at_once() -> None:
    shop = FakeShop()
    cache = LocalCatalogCache(60.0)
    shop.bus.subscribe("*", cache.on_event)
    uow_factory: Any = shop.uow
    catalog = CatalogService(uow_factory, shop.clock, FakeStorage(), NoSearch(), cache=cache)
    category = await catalog.create_category(MERCHANT, CategoryIn(name="Kitchen"))
    created = await catalog.create_product(
        MERCHANT,
        ProductIn(
            name="Kettle",
            category_id=category.id,
            variants=[VariantIn(options={"color": "red"}, price=PriceIn(amount=1000), on_hand=3)],
        ),
    )
    variant_id = created.variants[0].id
    assert (await catalog.get_product(created.id)).variants[0].price.amount == 1000
    await catalog.update_variant(
        MERCHANT, variant_id, VariantPatch(price=PriceIn(amount=1500), stock_delta=-1)
    )
    shown = ProductOut.model_validate_json(await catalog.get_product_json(created.id))
    assert shown.variants[0].price.amount == 1500
    assert shown.variants[0].on_hand == 2
