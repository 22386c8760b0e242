"""Fuzzing every operation of the OpenAPI schema with schemathesis, in-process over ASGI.

The app runs as in production (its lifespan builds the container, the chat service runs the
scripted demo model) over a seeded world: a merchant's product with an image, a customer with
an address, card, orders in every stage and a chat thread. Each generated request, valid or
deliberately invalid, is sent anonymously and as one signed-in user (the customer, an admin or
the merchant); path ids are either generated or real ids of the world, so the fuzzer reaches
past the 404s into the business rules. Every response must be a non-5xx, with a documented
status code and content type, and a body that matches the schema.
"""

from __future__ import annotations

import asyncio
import copy
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from services.migrate import upgrade
from tests.databases import (
    create_database,
    database_names,
    drop_database,
    postgres_base_url,
    unique_name,
)
from tests.reliability.conftest import LONG, long_or
from tests.reliability.world import World
from tests.reliability.world_template import build_world_over, world_settings

# A streamed chat answer of the previous example may still draw uuids in the app's thread
# while Hypothesis generates the next one; that is not randomness inside a strategy.
pytestmark = pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies")

EXAMPLES = long_or(10, 150)
IDENTITIES = ["owner", "admin", "merchant_a"]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    ignored_auth,
]


def _operations() -> list[tuple[str, str]]:
    """(METHOD, path) of every operation in the schema, read from an app that never starts."""
    with tempfile.TemporaryDirectory() as scratch:
        app = create_app(world_settings(Path(scratch), f"sqlite+aiosqlite:///{scratch}/x.db"))
        paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    return [(method.upper(), path) for path, item in paths.items() for method in item]


OPERATIONS = _operations()


@dataclass
class FuzzTarget:
    """The running app's schema, the world it serves, and a login for throw-away tokens."""

    schema: Any
    world: World

    def identity(self, name: str) -> dict[str, str]:
        """Auth headers of a world user."""
        who = {
            "owner": self.world.owner.who,
            "admin": self.world.admin,
            "merchant_a": self.world.merchant_a,
        }[name]
        return dict(who.headers)

    def real_ids(self) -> dict[str, str]:
        """Real ids of the world, by path parameter name (user_id names a bystander)."""
        w = self.world
        return {
            "order_id": w.pending_order_id,
            "address_id": w.owner.address_id,
            "payment_method_id": w.owner.card_id,
            "user_id": w.other.user_id,
            "category_id": w.category_id,
            "product_id": w.product_id,
            "variant_id": w.variant_id,
            "image_id": w.image_id,
            "return_id": w.return_id,
            "code": w.coupon_code,
            "thread_id": w.thread_id,
            "key": w.media_path.removeprefix("/media/"),
        }


@pytest.fixture(scope="module", params=database_names())
def fuzz_target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FuzzTarget]:
    """The app started through schemathesis's ASGI client over a freshly seeded world."""
    data_dir = tmp_path_factory.mktemp("fuzz")
    database = None
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{data_dir / 'domtok.db'}"
        upgrade(url)
    else:
        database = unique_name("domtok_fuzz")
        template = request.getfixturevalue("postgres_template")
        url = create_database(postgres_base_url(), database, template=template)
    settings = world_settings(data_dir, url).model_copy(
        update={
            "login_failures_per_client": 100_000,
            "login_failures_per_account_client": 100_000,
            "login_failures_per_account": 100_000,
        }
    )
    world = asyncio.run(build_world_over(settings))
    app = create_app(settings)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    try:
        yield FuzzTarget(schema, world)
    finally:
        asgi.shutdown_lifespans()
        if database is not None:
            drop_database(postgres_base_url(), database)
        shutil.rmtree(data_dir, ignore_errors=True)


def _fresh_token(target: FuzzTarget) -> dict[str, str]:
    """A new access token of the customer: a fuzzed logout must not sign the others out."""
    with asgi.get_client(target.schema.app) as client:
        response = client.post(
            "/api/v1/auth/login",
            json={"email": target.world.owner.email, "password": "correct-horse-42"},
        )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _strategy(target: FuzzTarget, operation: Any) -> st.SearchStrategy[Any]:
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    strategies = [operation.as_strategy(generation_mode=mode) for mode in modes]
    names = {parameter.name for parameter in operation.path_parameters}
    real = {name: value for name, value in target.real_ids().items() if name in names}
    if real:
        strategies.append(operation.as_strategy(path_parameters=real))
    return st.one_of(strategies)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_never_fails_on_our_side_and_keeps_its_schema(
    fuzz_target: FuzzTarget, method: str, path: str
) -> None:
    operation = fuzz_target.schema[path][method]

    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not LONG,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_strategy(fuzz_target, operation), who=st.sampled_from(IDENTITIES))
    def fuzz(case: Any, who: str) -> None:
        headers = fuzz_target.identity(who)
        if path.endswith("/auth/logout"):
            headers = _fresh_token(fuzz_target)
        for auth in ({}, headers):
            response = case.call(headers=auth)
            case.validate_response(response, checks=CHECKS)

    fuzz()


def at_max_length(node: Any) -> Any:
    """The schema with every free-text string pinned to its maximum length."""
    if isinstance(node, list):
        return [at_max_length(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: at_max_length(value) for key, value in node.items()}
    free_text = not ({"pattern", "format", "enum", "const"} & set(out))
    if out.get("type") == "string" and "maxLength" in out and free_text:
        out["minLength"] = out["maxLength"]
    return out


@pytest.fixture(scope="module")
def longest(fuzz_target: FuzzTarget) -> Any:
    """The running app's schema with every text field at its maximum length."""
    raw = copy.deepcopy(fuzz_target.schema.raw_schema)
    schema = schemathesis.openapi.from_dict(at_max_length(raw))
    schema.app = fuzz_target.schema.app
    return schema


def _takes_text(operation: tuple[str, str]) -> bool:
    method, path = operation
    return method in ("POST", "PATCH", "PUT") or path.endswith(("/products", "/login"))


@pytest.mark.parametrize(
    ("method", "path"),
    [op for op in OPERATIONS if _takes_text(op)],
    ids=[f"{m} {p}" for m, p in OPERATIONS if _takes_text((m, p))],
)
def test_text_at_its_maximum_length_is_stored_or_refused_cleanly(
    fuzz_target: FuzzTarget, longest: Any, method: str, path: str
) -> None:
    """Every length the API accepts must fit its database column (PostgreSQL enforces them)."""
    operation = longest[path][method]
    names = {parameter.name for parameter in operation.path_parameters}
    real = {name: value for name, value in fuzz_target.real_ids().items() if name in names}

    @hypothesis.settings(
        max_examples=long_or(4, 30),
        deadline=None,
        database=None,
        derandomize=not LONG,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(path_parameters=real or None))
    def fuzz(case: Any) -> None:
        for who in ("owner", "admin"):
            headers = _fresh_token(fuzz_target) if path.endswith("/logout") else None
            response = case.call(headers=headers or fuzz_target.identity(who))
            case.validate_response(response, checks=[not_a_server_error])

    fuzz()
