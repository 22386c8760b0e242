"""``domtok seed --demo``: the τ²-bench retail catalog and shoppers plus three demo accounts.

One transaction; rows that exist already (matched by τ id, category name or email) are left
alone, so a second run inserts nothing. Bulk inserts bypass the services, so no domain events
are emitted: the seed is a starting state, not something that happened in the shop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from services.catalog.models import Category, PriceChange, Product, Variant
from services.kernel.ids import new_id, new_token
from services.seed.categories import category_description, category_for
from services.seed.repository import SeedRepository
from services.seed.rows import (
    Row,
    address_row,
    payment_rows,
    product_row,
    spread,
    user_row,
    variant_rows,
)
from services.seed.search_terms import SEARCH_TERMS
from services.seed.tau2 import Tau2Data, TauUser, load_tau2
from services.uow import ShopUnitOfWork
from services.users.models import Address, GiftCard, PaymentMethod, Role, User
from services.users.passwords import PasswordHasher


@dataclass(frozen=True, slots=True)
class DemoAccount:
    """A known login printed after seeding."""

    email: str
    password: str
    name: str
    role: Role


DEMO_SHOPPER = DemoAccount("demo@domtok.local", "demo-password-123", "Demo Shopper", Role.CUSTOMER)
DEMO_ADMIN = DemoAccount("admin@domtok.local", "admin-password-123", "DomTok Admin", Role.ADMIN)
DEMO_MERCHANT = DemoAccount(
    "merchant@domtok.local", "merchant-password-123", "DomTok Merchant", Role.MERCHANT
)
DEMO_ACCOUNTS = (DEMO_SHOPPER, DEMO_ADMIN, DEMO_MERCHANT)


class SeedProgress(Protocol):
    """Told how far seeding has got (the CLI draws a progress bar)."""

    def start(self, step: str, total: int) -> None:
        """A step with ``total`` units of work begins."""
        ...

    def advance(self, step: str, amount: int = 1) -> None:
        """``amount`` units of ``step`` are done."""
        ...


class NoProgress:
    """Reports nothing."""

    def start(self, step: str, total: int) -> None:
        """Ignore."""

    def advance(self, step: str, amount: int = 1) -> None:
        """Ignore."""


@dataclass
class SeedReport:
    """What a run inserted and what the database holds afterwards."""

    created: dict[str, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    accounts: tuple[DemoAccount, ...] = DEMO_ACCOUNTS
    shopper_source: str | None = None

    @property
    def changed(self) -> bool:
        """Whether anything was inserted."""
        return any(self.created.values())


class DemoSeeder:
    """Loads the demo shop into a migrated database."""

    def __init__(
        self,
        uow_factory: Callable[[], ShopUnitOfWork],
        hasher: PasswordHasher,
        *,
        currency: str = "USD",
        data: Tau2Data | None = None,
    ) -> None:
        self._uow = uow_factory
        self._hasher = hasher
        self._currency = currency
        self._data = data

    async def run(self, progress: SeedProgress | None = None) -> SeedReport:
        """Insert whatever is missing, in one transaction; returns counts."""
        progress = progress or NoProgress()
        data = self._data or load_tau2()
        report = SeedReport(shopper_source=_shopper_source(data).user_id)
        async with self._uow() as uow:
            repo = SeedRepository(uow.session)
            now = uow.clock.now()
            accounts = await self._accounts(repo, data, report, now)
            categories = await self._categories(repo, data, report, now)
            merchant_id = accounts[DEMO_MERCHANT.email]
            await self._catalog(repo, data, categories, merchant_id, report, progress, now)
            await self._shoppers(repo, data, report, progress, now)
            await uow.commit()
            for model, name in _TABLES:
                report.totals[name] = await repo.count(model)
        return report

    async def _accounts(
        self, repo: SeedRepository, data: Tau2Data, report: SeedReport, now: datetime
    ) -> dict[str, str]:
        """The demo accounts' ids by email, creating the missing ones."""
        existing = await repo.users_by_email([account.email for account in DEMO_ACCOUNTS])
        ids = dict(existing)
        rows: list[Row] = []
        for account in DEMO_ACCOUNTS:
            if account.email in ids:
                continue
            ids[account.email] = new_id("usr")
            rows.append(
                {
                    "id": ids[account.email],
                    "email": account.email,
                    "name": account.name,
                    "password_hash": self._hasher.hash(account.password),
                    "role": account.role,
                    "external_id": None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        await repo.insert_rows(User, rows)
        report.created["demo accounts"] = len(rows)
        if DEMO_SHOPPER.email not in existing:
            await self._copy_wallet(repo, _shopper_source(data), ids[DEMO_SHOPPER.email], now)
        return ids

    async def _copy_wallet(
        self, repo: SeedRepository, source: TauUser, user_id: str, now: datetime
    ) -> None:
        """Give the demo shopper a τ shopper's address and payment methods (fresh ids)."""
        methods: list[Row] = []
        cards: list[Row] = []
        for payment in source.payments:
            method, card = payment_rows(
                payment, user_id, DEMO_SHOPPER.email, self._currency, now, keep_external_id=False
            )
            methods.append(method)
            cards.extend([card] if card else [])
        await repo.insert_rows(Address, [address_row(source, user_id, DEMO_SHOPPER.name, now)])
        await repo.insert_rows(GiftCard, cards)
        await repo.insert_rows(PaymentMethod, methods)

    async def _categories(
        self, repo: SeedRepository, data: Tau2Data, report: SeedReport, now: datetime
    ) -> dict[str, str]:
        """Category ids by lower-cased name, creating the missing ones."""
        existing = await repo.categories_by_name()
        names = sorted({category_for(product.name) for product in data.products})
        rows: list[dict[str, str | datetime]] = [
            {
                "id": new_id("cat"),
                "name": name,
                "description": category_description(name),
                "created_at": now,
                "updated_at": now,
            }
            for name in names
            if name.lower() not in existing
        ]
        await repo.insert_rows(Category, rows)
        existing.update({str(row["name"]).lower(): str(row["id"]) for row in rows})
        report.created["categories"] = len(rows)
        return existing

    async def _catalog(
        self,
        repo: SeedRepository,
        data: Tau2Data,
        categories: dict[str, str],
        merchant_id: str,
        report: SeedReport,
        progress: SeedProgress,
        now: datetime,
    ) -> None:
        """τ products and items the database does not have yet."""
        product_ids = await repo.external_ids(Product)
        known_variants = await repo.external_ids(Variant)
        products: list[Row] = []
        variants: list[Row] = []
        prices: list[Row] = []
        for index, product in enumerate(data.products):
            product_id = product_ids.get(product.product_id)
            if product_id is None:
                category_id = categories[category_for(product.name).lower()]
                row = product_row(product, category_id, merchant_id, spread(now, index))
                product_id = product_ids[product.product_id] = row["id"]
                products.append(row)
            for variant in product.variants:
                if variant.item_id not in known_variants:
                    created = spread(now, len(variants))
                    variant_row, price_row = variant_rows(
                        variant, product_id, self._currency, created
                    )
                    variants.append(variant_row)
                    prices.append(price_row)
        progress.start("catalog", len(products) + len(variants) + len(prices))
        for model, rows in ((Product, products), (Variant, variants), (PriceChange, prices)):
            await repo.insert_rows(model, rows, on_chunk=lambda n: progress.advance("catalog", n))
        report.created["products"] = len(products)
        report.created["variants"] = len(variants)
        # Products seeded before search terms existed get them on the next run.
        report.created["products given search terms"] = await repo.fill_search_terms(SEARCH_TERMS)

    async def _shoppers(
        self,
        repo: SeedRepository,
        data: Tau2Data,
        report: SeedReport,
        progress: SeedProgress,
        now: datetime,
    ) -> None:
        """τ shoppers not seeded yet, with their address and payment methods."""
        known = await repo.external_ids(User)
        todo = [user for user in data.users if user.user_id not in known]
        taken = await repo.users_by_email([user.email for user in todo])
        todo = [user for user in todo if user.email not in taken]
        # τ shoppers cannot log in: one hash of a random secret serves them all (argon2 is slow).
        password_hash = self._hasher.hash(new_token()) if todo else ""
        users: list[Row] = []
        addresses: list[Row] = []
        cards: list[Row] = []
        methods: list[Row] = []
        for index, user in enumerate(todo):
            row = user_row(user, password_hash, spread(now, index))
            users.append(row)
            addresses.append(address_row(user, row["id"], user.full_name, now))
            for payment in user.payments:
                method, card = payment_rows(payment, row["id"], user.email, self._currency, now)
                methods.append(method)
                cards.extend([card] if card else [])
        tables = ((User, users), (Address, addresses), (GiftCard, cards), (PaymentMethod, methods))
        progress.start("shoppers", sum(len(rows) for _, rows in tables))
        for model, rows in tables:
            await repo.insert_rows(model, rows, on_chunk=lambda n: progress.advance("shoppers", n))
        report.created["users"] = len(users)
        report.created["payment methods"] = len(methods)
        report.created["users skipped (email taken)"] = len(taken)


def _shopper_source(data: Tau2Data) -> TauUser:
    """The first τ shopper who has a card, a gift card and PayPal (the demo shopper's wallet)."""
    for user in data.users:
        if {payment.source for payment in user.payments} >= {"credit_card", "gift_card", "paypal"}:
            return user
    return data.users[0]


_TABLES: tuple[tuple[type[User | Category | Product | Variant | PaymentMethod], str], ...] = (
    (User, "users"),
    (Category, "categories"),
    (Product, "products"),
    (Variant, "variants"),
    (PaymentMethod, "payment methods"),
)
