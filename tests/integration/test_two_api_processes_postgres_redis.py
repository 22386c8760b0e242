"""Two API processes behind an imaginary load balancer share nothing but PostgreSQL and Redis.

A fresh PostgreSQL database is migrated and seeded, then two ``uvicorn`` processes serve it,
each with its own (empty, unshared) data directory, the same Redis database and the same JWT
secret. Every test starts something on process A and finishes it on process B (or races them),
so any state kept in one process's memory or files shows up as a failure: conversations and
their pending confirmations, refresh-token rotation and access-token revocation, the login
rate limit, and ``Idempotency-Key`` records.
"""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from redis import Redis as SyncRedis

from agent.checkpointer import CHECKPOINT_FILE
from agent.threads import ThreadStore
from services.bootstrap import bootstrap
from services.catalog.schemas import CategoryIn, PriceIn, ProductIn, VariantIn
from services.kernel.actor import Actor
from services.kernel.clock import SystemClock
from services.migrate import upgrade
from services.users.schemas import RegisterIn
from tests.conftest import make_settings
from tests.databases import (
    SKIP_REASON,
    create_database,
    drop_database,
    postgres_base_url,
    unique_name,
)
from tests.integration.redis_stack import REDIS_ENV
from tests.reliability.server import ApiServer

pytestmark = pytest.mark.integration

# This module's own Redis database: the Redis fixtures empty database 9 before each of their
# tests, which would wipe the shared state these processes rely on mid-test.
REDIS_DB = 11
JWT_SECRET = "two-api-processes-share-this-secret-0123456789"
LOGIN_LIMIT = 6
PASSWORD = "correct-horse-battery-9"
SIZES = ("S", "M", "L")
# The approval race is timing-dependent; a few rounds make an unguarded resume show reliably.
RACES = 3
ADDRESS = {
    "recipient": "Ann",
    "line1": "1 Main St",
    "city": "Springfield",
    "zip": "1",
    "country": "US",
}


class SharedStackApi(ApiServer):
    """An API process on the shared PostgreSQL and Redis, with a login limit low enough to hit."""

    def __init__(self, data_dir: Path, database_url: str, redis_url: str) -> None:
        super().__init__(data_dir, database_url)
        self.redis_url = redis_url

    def _env(self) -> dict[str, str]:
        env = super()._env()
        env.update(
            {
                "DOMTOK_REDIS_URL": self.redis_url,
                "DOMTOK_JWT_SECRET": JWT_SECRET,
                "DOMTOK_LOGIN_ATTEMPTS_PER_MINUTE": str(LOGIN_LIMIT),
            }
        )
        return env


@dataclass(frozen=True)
class Cluster:
    """Two API processes over one database, and the seeded product."""

    a: ApiServer
    b: ApiServer
    database_url: str
    product_id: str
    variants: dict[str, str]


@dataclass(frozen=True)
class Shopper:
    """A signed-in customer with a saved address."""

    email: str
    headers: dict[str, str]


ADMIN_EMAIL = "admin@two-apis.example"


def _redis_url() -> str:
    base = os.environ.get(REDIS_ENV, "")
    if not base:
        pytest.skip(
            f'{REDIS_ENV} is not set; run `eval "$(bash scripts/services/services.sh env)"`'
        )
    return f"{base.rsplit('/', 1)[0]}/{REDIS_DB}"


async def _seed(database_url: str, data_dir: Path) -> tuple[str, dict[str, str]]:
    """An admin, a category and one product with a variant per size (10 on hand each)."""
    container = bootstrap(make_settings(data_dir, database_url=database_url))
    try:
        data = RegisterIn(email=ADMIN_EMAIL, password=PASSWORD, name="Admin")  # type: ignore[arg-type]
        admin = Actor((await container.users.create_user(data, role="admin")).id, "admin")
        category = await container.catalog.create_category(admin, CategoryIn(name="Socks"))
        variants = [
            VariantIn(options={"size": size}, price=PriceIn(amount=2500), on_hand=10)
            for size in SIZES
        ]
        product = await container.catalog.create_product(
            admin, ProductIn(name="Wool Socks", category_id=category.id, variants=variants)
        )
    finally:
        await container.aclose()
    return product.id, {v.options["size"]: v.id for v in product.variants}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """A migrated, seeded PostgreSQL database served by processes A and B on one Redis.

    Both start at once, as replicas of a deployment do: each creates the agent's tables on the
    new database at startup, and neither may trip over the other.
    """
    base = postgres_base_url()
    if not base:
        pytest.skip(SKIP_REASON)
    redis_url = _redis_url()
    with SyncRedis.from_url(redis_url) as redis:
        redis.flushdb()
    name = unique_name("domtok_2api")
    database_url = create_database(base, name)
    servers = [
        SharedStackApi(tmp_path_factory.mktemp(f"api-{label}"), database_url, redis_url)
        for label in ("a", "b")
    ]
    try:
        upgrade(database_url)
        product_id, variants = asyncio.run(_seed(database_url, tmp_path_factory.mktemp("seed")))
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda server: server.start(), servers))
        yield Cluster(servers[0], servers[1], database_url, product_id, variants)
    finally:
        for server in servers:
            server.stop()
        drop_database(base, name)


def _call(
    server: ApiServer, method: str, path: str, expect: int | None = 200, **kwargs: Any
) -> httpx.Response:
    response = httpx.request(method, f"{server.url}{path}", timeout=60, **kwargs)
    if expect is not None:
        assert response.status_code == expect, f"{method} {path}: {response.text}"
    return response


def _login(server: ApiServer, email: str, password: str = PASSWORD) -> httpx.Response:
    return _call(server, "POST", "/auth/login", None, json={"email": email, "password": password})


def _shopper(cluster: Cluster) -> Shopper:
    """Registered and logged in on A, address saved through B."""
    email = f"shopper-{uuid.uuid4().hex[:10]}@two-apis.example"
    body = {"email": email, "password": PASSWORD, "name": "Ann"}
    _call(cluster.a, "POST", "/auth/register", 201, json=body)
    login = _login(cluster.a, email)
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    _call(cluster.b, "POST", "/users/me/addresses", 201, json=ADDRESS, headers=headers)
    return Shopper(email, headers)


def _variant(server: ApiServer, cluster: Cluster, size: str) -> dict[str, Any]:
    """A variant of the seeded product as its admin sees it (with the stock figures)."""
    token = _login(server, ADMIN_EMAIL).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    product = _call(server, "GET", f"/products/{cluster.product_id}", headers=headers).json()
    (found,) = [v for v in product["variants"] if v["id"] == cluster.variants[size]]
    return dict(found)


def _orders(server: ApiServer, who: Shopper) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = _call(server, "GET", "/orders", headers=who.headers).json()[
        "items"
    ]
    return items


def _say(server: ApiServer, who: Shopper, message: str, thread: str | None) -> dict[str, Any]:
    body = {"message": message, **({"thread_id": thread} if thread else {})}
    result: dict[str, Any] = _call(server, "POST", "/chat", json=body, headers=who.headers).json()
    return result


def _pending_checkout_on_a(cluster: Cluster, who: Shopper, size: str) -> dict[str, Any]:
    """A thread on A: two units in the cart, then a checkout waiting for confirmation."""
    added = _say(cluster.a, who, f"add 2 {cluster.variants[size]} to my cart", None)
    assert added["tool_calls"][-1]["name"] == "add_to_cart", added
    paused = _say(cluster.a, who, "checkout", added["thread_id"])
    assert paused["pending_confirmation"]["tool"] == "place_order", paused
    return paused


def _confirm(server: ApiServer, who: Shopper, thread: str, confirmation: str) -> httpx.Response:
    answer = {"confirmation_id": confirmation, "approve": True}
    return _call(server, "POST", f"/chat/{thread}/confirm", None, json=answer, headers=who.headers)


def _place_order_results(thread: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in thread["messages"] if m["role"] == "tool" and m["name"] == "place_order"]


async def _checkpoint_rows(database_url: str, thread_id: str) -> int:
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(dsn, timeout=10)
    try:
        count = await connection.fetchval(
            "SELECT count(*) FROM checkpoints WHERE thread_id = $1", thread_id
        )
    finally:
        await connection.close()
    return int(count)


def test_a_confirmation_started_on_a_is_seen_and_approved_once_on_b_postgres_redis(
    cluster: Cluster,
) -> None:
    ann = _shopper(cluster)
    before = _variant(cluster.a, cluster, "S")
    paused = _pending_checkout_on_a(cluster, ann, "S")
    thread, pending = paused["thread_id"], paused["pending_confirmation"]

    listed = _call(cluster.b, "GET", "/chat/threads", headers=ann.headers).json()
    assert [t["id"] for t in listed["items"]] == [thread]
    seen = _call(cluster.b, "GET", f"/chat/threads/{thread}", headers=ann.headers).json()
    assert seen["pending_confirmation"] == pending
    assert _orders(cluster.b, ann) == []

    approved = _confirm(cluster.b, ann, thread, pending["id"])
    assert approved.status_code == 200, approved.text
    (placed,) = approved.json()["tool_calls"]
    assert placed["name"] == "place_order"
    assert placed["result"]["status"] == "pending_payment"
    assert approved.json()["pending_confirmation"] is None

    again = _confirm(cluster.a, ann, thread, pending["id"])
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "no_pending_confirmation"

    for server in (cluster.a, cluster.b):
        assert [o["id"] for o in _orders(server, ann)] == [placed["result"]["id"]]
        after = _variant(server, cluster, "S")
        assert after["reserved"] == before["reserved"] + 2
        assert after["available"] == before["available"] - 2
        detail = _call(server, "GET", f"/chat/threads/{thread}", headers=ann.headers).json()
        assert "pending_confirmation" not in detail
        assert len(_place_order_results(detail)) == 1
    # The conversation lives in the shared database, not in a process's own SQLite file.
    assert asyncio.run(_checkpoint_rows(cluster.database_url, thread)) > 0
    assert not (cluster.a.data_dir / CHECKPOINT_FILE).exists()
    assert not (cluster.b.data_dir / CHECKPOINT_FILE).exists()


def _race_approvals(cluster: Cluster, who: Shopper, thread: str, confirmation: str) -> list[Any]:
    """The same approval sent to A and B at the same moment; both responses."""
    start = threading.Barrier(2)

    def approve_on(server: ApiServer) -> Callable[[], httpx.Response]:
        def run() -> httpx.Response:
            start.wait()
            return _confirm(server, who, thread, confirmation)

        return run

    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [pool.submit(approve_on(server)) for server in (cluster.a, cluster.b)]
        return [future.result() for future in futures]


def _is_refused_answer(response: httpx.Response) -> bool:
    """Refused before it ran (409), or found the confirmation answered once it got its turn."""
    body = response.json()
    if response.status_code == 409:
        return bool(body["error"]["code"] == "no_pending_confirmation")
    return (
        response.status_code == 200
        and body["tool_calls"] == []
        and ("not waiting for a confirmation" in body["reply"])
    )


@pytest.mark.parametrize("attempt", range(RACES))
def test_one_confirmation_approved_on_a_and_b_at_once_runs_once_postgres_redis(
    cluster: Cluster, attempt: int
) -> None:
    ben = _shopper(cluster)
    before = _variant(cluster.b, cluster, "M")
    paused = _pending_checkout_on_a(cluster, ben, "M")
    thread, confirmation = paused["thread_id"], paused["pending_confirmation"]["id"]

    responses = _race_approvals(cluster, ben, thread, confirmation)

    ran = [r for r in responses if r.status_code == 200 and r.json()["tool_calls"]]
    assert len(ran) == 1, [r.text for r in responses]
    (placed,) = ran[0].json()["tool_calls"]
    assert placed["name"] == "place_order"
    assert placed["result"]["status"] == "pending_payment"
    (other,) = [r for r in responses if r is not ran[0]]
    assert _is_refused_answer(other), other.text
    assert [o["id"] for o in _orders(cluster.a, ben)] == [placed["result"]["id"]]
    assert _variant(cluster.a, cluster, "M")["reserved"] == before["reserved"] + 2
    # The stored conversation tells what happened: one order placed, nothing forked after it.
    detail = _call(cluster.b, "GET", f"/chat/threads/{thread}", headers=ben.headers).json()
    (result,) = _place_order_results(detail)
    assert result["result"]["id"] == placed["result"]["id"]
    assert detail["messages"][-1]["content"] == ran[0].json()["reply"]


async def test_a_chat_run_lock_excludes_another_store_of_the_database_postgres_redis(
    cluster: Cluster,
) -> None:
    first, second = [await ThreadStore.open(cluster.database_url, SystemClock()) for _ in range(2)]
    try:
        async with first.exclusive("thr_race"):
            waiting = asyncio.create_task(_enter(second, "thr_race"))
            await asyncio.sleep(0.5)
            assert not waiting.done()
            await asyncio.wait_for(_enter(second, "thr_other"), timeout=5)
        await asyncio.wait_for(waiting, timeout=5)
    finally:
        await first.aclose()
        await second.aclose()


async def _enter(store: ThreadStore, thread_id: str) -> None:
    async with store.exclusive(thread_id):
        pass


def test_a_refresh_token_rotated_on_a_is_refused_on_b_postgres_redis(cluster: Cluster) -> None:
    cora = _shopper(cluster)
    first = _login(cluster.a, cora.email).json()
    rotated = _call(
        cluster.a, "POST", "/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )

    replayed = _call(
        cluster.b, "POST", "/auth/refresh", 401, json={"refresh_token": first["refresh_token"]}
    )
    assert replayed.json()["error"]["code"] == "refresh_token_reused"
    # Reuse signs the whole login out, on every process.
    newer = {"refresh_token": rotated.json()["refresh_token"]}
    _call(cluster.a, "POST", "/auth/refresh", 401, json=newer)


def test_an_access_token_logged_out_on_a_is_refused_on_b_postgres_redis(cluster: Cluster) -> None:
    dan = _shopper(cluster)
    pair = _login(cluster.b, dan.email).json()
    headers = {"Authorization": f"Bearer {pair['access_token']}"}
    _call(cluster.b, "GET", "/users/me", headers=headers)

    _call(cluster.a, "POST", "/auth/logout", 204, headers=headers)

    refused = _call(cluster.b, "GET", "/users/me", 401, headers=headers)
    assert refused.json()["error"]["code"] == "token_revoked"


def test_login_attempts_on_a_and_b_add_up_to_one_limit_postgres_redis(cluster: Cluster) -> None:
    eve = _shopper(cluster)  # one login on A already counted
    attempts = [cluster.b, cluster.a] * 4
    codes = [_login(server, eve.email, "wrong-password-1").status_code for server in attempts]
    # Neither process alone saw more than LOGIN_LIMIT attempts: only a shared count refuses.
    assert codes[: LOGIN_LIMIT - 1] == [401] * (LOGIN_LIMIT - 1)
    assert set(codes[LOGIN_LIMIT - 1 :]) == {429}
    refused = _login(cluster.b, eve.email)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "too_many_login_attempts"


def test_an_idempotency_key_used_on_a_replays_on_b_postgres_redis(cluster: Cluster) -> None:
    fay = _shopper(cluster)
    address = _call(cluster.a, "GET", "/users/me/addresses", headers=fay.headers).json()[0]
    before = _variant(cluster.a, cluster, "L")
    body = {"address_id": address["id"], "items": [{"variant_id": cluster.variants["L"]}]}
    headers = {**fay.headers, "Idempotency-Key": f"order-{uuid.uuid4().hex}"}

    first = _call(cluster.a, "POST", "/orders", 201, json=body, headers=headers)
    replay = _call(cluster.b, "POST", "/orders", 201, json=body, headers=headers)

    assert "Idempotent-Replayed" not in first.headers
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert [o["id"] for o in _orders(cluster.b, fay)] == [first.json()["id"]]
    assert _variant(cluster.b, cluster, "L")["reserved"] == before["reserved"] + 1

    other = {**body, "items": [{"variant_id": cluster.variants["L"], "quantity": 2}]}
    reused = _call(cluster.b, "POST", "/orders", 422, json=other, headers=headers)
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
