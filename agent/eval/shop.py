"""The shop each case runs against: a fresh copy of a demo-seeded SQLite database.

A run migrates and seeds one template database (``domtok seed --demo`` data), reads the ids a
case may refer to (products, the demo shopper's address and payment methods) and then copies
the template for every case, so no case sees another's cart or orders. A case's setup (cart
lines, orders in a given status, coupons) is applied through the services before it runs.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from agent.eval.cases import CouponSpec, EvalCase, OrderSpec, Setup, VariantSpec
from config.settings import Settings
from services.bootstrap import Container, bootstrap
from services.catalog.search import SearchQuery
from services.coupons.schemas import CouponIn
from services.kernel.actor import Actor
from services.kernel.pagination import PageRequest
from services.orders.schemas import OrderItemIn, PlaceOrderIn
from services.payments.schemas import PayIn
from services.users.schemas import AddressIn

SHOPPER_EMAIL = "demo@domtok.local"
ADMIN_EMAIL = "admin@domtok.local"
_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_:. -]+)\}")


class SetupError(RuntimeError):
    """A case's setup cannot be built on the demo shop (a typo in the cases file)."""


def shop_settings(data_dir: Path) -> Settings:
    """Settings for a case's shop: its own SQLite file, no external servers."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        environment="test",
        data_dir=data_dir,
        database_url=f"sqlite+aiosqlite:///{data_dir / 'domtok.db'}",
        redis_url="",
        kafka_bootstrap="",
        elasticsearch_url="",
    )


@dataclass
class Template:
    """The seeded template database and the ids every copy shares."""

    path: Path
    shopper: Actor
    admin: Actor
    refs: dict[str, str]


async def build_template(workdir: Path) -> Template:
    """Migrate and seed a template database under ``workdir`` and read its shared ids."""
    from services.migrate import upgrade_async
    from services.seed.demo import DemoSeeder
    from services.users.passwords import Argon2PasswordHasher

    data_dir = workdir / "template"
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = shop_settings(data_dir)
    await upgrade_async(settings.database_url)
    container = bootstrap(settings)
    try:
        seeder = DemoSeeder(container.uow, Argon2PasswordHasher(), currency=settings.currency)
        await seeder.run()
        shopper = await _actor(container, SHOPPER_EMAIL, "customer")
        admin = await _actor(container, ADMIN_EMAIL, "admin")
        refs = await _shared_refs(container, shopper)
    finally:
        await container.aclose()
    return Template(data_dir / "domtok.db", shopper, admin, refs)


async def _actor(container: Container, email: str, role: str) -> Actor:
    user = await container.users.find_by_email(email)
    if user is None:
        raise SetupError(f"the demo seed has no {email}")
    return Actor(user.id, role)  # type: ignore[arg-type]


async def _shared_refs(container: Container, shopper: Actor) -> dict[str, str]:
    refs: dict[str, str] = {}
    page = 1
    while True:
        found = await container.catalog.search_products(
            SearchQuery(page=PageRequest(page=page, page_size=100))
        )
        for product in found.items:
            refs[f"product:{product.name}"] = product.id
        if page * 100 >= found.total:
            break
        page += 1
    addresses = await container.users.list_addresses(shopper)
    default = next((a for a in addresses if a.is_default), addresses[0])
    refs["address"] = default.id
    for method in await container.users.list_payment_methods(shopper):
        refs.setdefault(method.kind, method.id)
    return refs


@dataclass
class CaseShop:
    """A case's own shop: services, who acts, and the ids the case may name."""

    container: Container
    shopper: Actor
    admin: Actor
    refs: dict[str, str] = field(default_factory=dict)
    setup_orders: set[str] = field(default_factory=set)

    def fill(self, text: str) -> str:
        """The text with ``{name}`` placeholders replaced by the ids they refer to."""

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self.refs:
                raise SetupError(f"placeholder {{{name}}} names no id of the case's setup")
            return self.refs[name]

        return _PLACEHOLDER.sub(replace, text)


@asynccontextmanager
async def case_shop(template: Template, case: EvalCase, workdir: Path) -> AsyncIterator[CaseShop]:
    """A fresh copy of the template with the case's setup applied; closed on exit."""
    data_dir = workdir / case.id
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    shutil.copy(template.path, data_dir / "domtok.db")
    container = bootstrap(shop_settings(data_dir))
    try:
        shop = CaseShop(container, template.shopper, template.admin, dict(template.refs))
        await apply_setup(shop, case.setup)
        yield shop
    finally:
        await container.aclose()
        shutil.rmtree(data_dir, ignore_errors=True)


async def apply_setup(shop: CaseShop, setup: Setup) -> None:
    """Resolve variant aliases, then create coupons, cart lines and orders."""
    for alias, spec in setup.variants.items():
        shop.refs[alias] = await find_variant(shop, spec)
    for alias, address in setup.addresses.items():
        saved = await shop.container.users.add_address(
            shop.shopper, AddressIn.model_validate(address.model_dump())
        )
        shop.refs[alias] = saved.id
    for coupon in setup.coupons:
        await _coupon(shop, coupon)
    for item in setup.cart:
        await shop.container.carts.add_item(shop.shopper, _ref(shop, item.variant), item.quantity)
    for alias, order in setup.orders.items():
        shop.refs[alias] = await _order(shop, order)
        shop.setup_orders.add(shop.refs[alias])


def _ref(shop: CaseShop, alias: str) -> str:
    try:
        return shop.refs[alias]
    except KeyError:
        raise SetupError(f"setup names no variant {alias!r}") from None


async def find_variant(shop: CaseShop, spec: VariantSpec) -> str:
    """The id of the cheapest (or dearest) variant of a product with the given options."""
    product_id = shop.refs.get(f"product:{spec.product}")
    if product_id is None:
        raise SetupError(f"the demo shop has no product named {spec.product!r}")
    product = await shop.container.catalog.get_product(product_id)
    wanted = {key.lower(): value.lower() for key, value in spec.options.items()}
    matching = [
        variant
        for variant in product.variants
        if all(variant.options.get(k, "").lower() == v for k, v in wanted.items())
        and (variant.available > 0) == spec.available
    ]
    if not matching:
        raise SetupError(
            f"no {spec.product} variant with {spec.options} (available={spec.available})"
        )
    matching.sort(key=lambda variant: variant.price.amount, reverse=spec.pick == "dearest")
    return matching[0].id


async def _coupon(shop: CaseShop, spec: CouponSpec) -> None:
    kind = "percent_off" if spec.percent_off is not None else "amount_off"
    amount = None if spec.amount_off is None else round(spec.amount_off * 100)
    await shop.container.coupons.create(
        shop.admin,
        CouponIn(
            code=spec.code,
            kind=kind,
            percent_off=spec.percent_off,
            amount_off=amount,
            min_spend=round(spec.min_spend * 100),
            expires_at=datetime(2099, 1, 1, tzinfo=UTC),
        ),
    )
    if spec.claimed:
        await shop.container.coupons.claim(shop.shopper, spec.code)


async def _order(shop: CaseShop, spec: OrderSpec) -> str:
    services, shopper = shop.container, shop.shopper
    items = [OrderItemIn(variant_id=_ref(shop, i.variant), quantity=i.quantity) for i in spec.items]
    order = await services.orders.place(
        shopper, PlaceOrderIn(address_id=shop.refs["address"], items=items)
    )
    if spec.status == "cancelled":
        await services.orders.cancel(shopper, order.id)
    if spec.status in ("pending_payment", "cancelled"):
        return order.id
    token = await services.payments.issue_token(shopper, order.id)
    pay = PayIn(payment_method_id=shop.refs["card"], payment_token=token.payment_token)
    await services.payments.pay(shopper, order.id, pay)
    if spec.status in ("shipped", "delivered"):
        await services.orders.ship(shop.admin, order.id, "TRACK-EVAL-1")
    if spec.status == "delivered":
        await services.orders.deliver(shop.admin, order.id)
    return order.id
