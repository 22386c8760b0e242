"""τ tests: τ's database imported once per session into a template; each test works on a copy
through the real services, the τ desk and the τ LangChain tools."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from agent.tau_replay import DESK_STAFF, changes_since_import, run_action
from config.settings import Settings
from services.bootstrap import Container, bootstrap
from services.tau.desk import DeskSession, TauDesk
from services.tau.tasks import TauAction
from services.tau.template import TauTemplate, build_template, tau_settings
from tests.conftest import make_settings
from tools.tau_context import DeskContext

DATA = Path(__file__).parent / "data"
TASKS = DATA / "tasks_train.json"
EXPECTED = DATA / "train_expected.json"
Record = dict[str, Any]


@pytest.fixture(scope="session")
def base_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Test settings the τ databases are derived from."""
    return make_settings(tmp_path_factory.mktemp("tau-base"))


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory, base_settings: Settings) -> TauTemplate:
    """τ's bundled db.json imported once (≈5 s); tests copy it."""
    return asyncio.run(build_template(base_settings, tmp_path_factory.mktemp("tau-template")))


@dataclass
class Desk:
    """A fresh τ database with the services, and τ tool calls against it."""

    container: Container
    template: TauTemplate
    database: Path
    context: DeskContext

    @property
    def desk(self) -> TauDesk:
        """The desk behind the tools."""
        return self.context.desk

    async def call(self, name: str, **arguments: Any) -> tuple[Any, dict[str, Any] | None]:
        """Run one τ tool: ``(result, None)`` or ``(None, {"code", "message"})``."""
        outcome = await run_action(self.context, TauAction("t", name, arguments), 0, [])
        if outcome.ok:
            return outcome.result, None
        return None, {"code": outcome.error_code, "message": outcome.error}

    async def ok(self, name: str, **arguments: Any) -> Any:
        """Run one τ tool that must succeed."""
        result, error = await self.call(name, **arguments)
        assert error is None, error
        return result

    async def refused(self, name: str, **arguments: Any) -> str:
        """Run one τ tool that must fail; returns the error code."""
        result, error = await self.call(name, **arguments)
        assert error is not None, f"{name} unexpectedly succeeded: {result}"
        return str(error["code"])

    async def changes(self) -> dict[str, dict[str, Any]]:
        """τ records that differ from the import."""
        return await changes_since_import(self.container, self.template, self.database)

    def strict(self) -> None:
        """Serve like the support agent: only the authenticated customer."""
        self.desk.session.strict = True


@pytest.fixture
async def tau(
    template: TauTemplate, base_settings: Settings, tmp_path: Path
) -> AsyncIterator[Desk]:
    """A lenient desk (as ``tau replay``) on a fresh copy; call ``strict()`` to change."""
    database = template.copy_to(tmp_path)
    container = bootstrap(tau_settings(base_settings, tmp_path))
    desk = TauDesk(container, template.ids, DESK_STAFF, DeskSession(strict=False))
    try:
        yield Desk(container, template, database, DeskContext(DESK_STAFF, container, desk))
    finally:
        await container.aclose()


# finding test data in the imported state (τ's export of the template)


def orders_where(template: TauTemplate, test: Callable[[Record], bool]) -> Iterator[Record]:
    """τ orders passing ``test``, in file order."""
    return (order for order in template.baseline["orders"].values() if test(order))


def user_of(template: TauTemplate, order: Record) -> Record:
    """The τ user who placed ``order``."""
    return template.baseline["users"][order["user_id"]]


def paid_with(template: TauTemplate, order: Record) -> Record:
    """The payment method an order was paid with."""
    method_id = order["payment_history"][0]["payment_method_id"]
    return user_of(template, order)["payment_methods"][method_id]


def alternative(template: TauTemplate, item: Record, *, available: bool = True) -> Record | None:
    """Another item of the same product (available or not), if there is one."""
    product = template.baseline["products"][item["product_id"]]
    for variant in product["variants"].values():
        if variant["item_id"] != item["item_id"] and variant["available"] == available:
            return dict(variant)
    return None


def other_product_item(template: TauTemplate, item: Record) -> Record:
    """An available item of a different product."""
    for product in template.baseline["products"].values():
        if product["product_id"] != item["product_id"]:
            for variant in product["variants"].values():
                if variant["available"]:
                    return dict(variant)
    raise AssertionError("the catalog has one product only")


def item_not_in(template: TauTemplate, order: Record) -> str:
    """An item id of the catalog that the order does not hold."""
    held = {item["item_id"] for item in order["items"]}
    for product in template.baseline["products"].values():
        for item_id in product["variants"]:
            if item_id not in held:
                return str(item_id)
    raise AssertionError("the order holds the whole catalog")
