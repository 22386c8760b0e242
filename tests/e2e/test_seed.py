"""The demo seed on a migrated database: τ counts, demo logins, idempotence, the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from services.bootstrap import Container
from services.catalog.models import Product, Variant
from services.seed.demo import DEMO_ADMIN, DEMO_MERCHANT, DEMO_SHOPPER, DemoSeeder, SeedReport
from services.users.models import GiftCard, PaymentMethod, User
from services.users.passwords import Argon2PasswordHasher

ROOT = Path(__file__).resolve().parents[2]


async def seed(container: Container) -> SeedReport:
    seeder = DemoSeeder(container.uow, Argon2PasswordHasher(fast=True))
    return await seeder.run()


@pytest.fixture
async def seeded(container: Container) -> SeedReport:
    return await seed(container)


def test_bundled_data_and_licence_are_package_resources() -> None:
    data = resources.files("services.seed.data")
    assert data.joinpath("tau2_retail_db.json").read_text(encoding="utf-8").startswith("{")
    assert "Sierra Research" in data.joinpath("TAU2_LICENSE").read_text(encoding="utf-8")
    assert "Sierra Research" in (ROOT / "NOTICE").read_text(encoding="utf-8")


async def test_demo_seed_loads_the_tau_catalog_and_shoppers(seeded: SeedReport) -> None:
    assert seeded.totals["products"] == 50
    assert seeded.totals["variants"] == 591
    assert seeded.totals["users"] >= 500
    assert seeded.created["users"] == 500
    assert seeded.created["payment methods"] == 695


async def test_second_run_changes_nothing(container: Container, seeded: SeedReport) -> None:
    again = await seed(container)
    assert again.changed is False
    assert again.totals == seeded.totals


async def test_tau_ids_prices_stock_and_wallets_are_kept(
    container: Container, seeded: SeedReport
) -> None:
    async with container.uow() as uow:
        session = uow.session
        tee = await session.scalar(select(Variant).where(Variant.external_id == "9612497925"))
        assert tee is not None
        assert (tee.price_minor, tee.on_hand, tee.is_available) == (5088, 20, True)
        assert tee.options == {
            "color": "blue",
            "size": "M",
            "material": "cotton",
            "style": "crew neck",
        }
        unavailable = await session.scalar(
            select(func.count()).select_from(Variant).where(Variant.is_available.is_(False))
        )
        assert unavailable == 212
        noah = await session.scalar(select(User).where(User.external_id == "noah_brown_6181"))
        assert noah is not None
        assert noah.email == "noah.brown7922@example.com"
        card = await session.scalar(
            select(PaymentMethod).where(PaymentMethod.external_id == "credit_card_7815826")
        )
        assert card is not None
        assert (card.user_id, card.brand, card.last4) == (noah.id, "mastercard", "9212")
        gift = await session.scalar(
            select(GiftCard)
            .join(PaymentMethod, PaymentMethod.gift_card_id == GiftCard.id)
            .where(PaymentMethod.external_id == "gift_card_4374071")
        )
        assert gift is not None
        assert gift.balance_minor == 5100
        merchant = await session.scalar(select(User).where(User.email == DEMO_MERCHANT.email))
        assert merchant is not None
        owners = await session.scalars(select(Product.merchant_id).distinct())
        assert list(owners) == [merchant.id]


@pytest.mark.parametrize("account", [DEMO_SHOPPER, DEMO_ADMIN, DEMO_MERCHANT])
async def test_demo_accounts_can_log_in(
    client: httpx.AsyncClient, seeded: SeedReport, account: object
) -> None:
    email, password = account.email, account.password  # type: ignore[attr-defined]
    login = await client.post("/auth/login", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    me = (await client.get("/users/me", headers=headers)).json()
    assert me["role"] == account.role.value  # type: ignore[attr-defined]


async def test_demo_shopper_has_a_tau_wallet_and_address(
    client: httpx.AsyncClient, seeded: SeedReport
) -> None:
    login = await client.post(
        "/auth/login", json={"email": DEMO_SHOPPER.email, "password": DEMO_SHOPPER.password}
    )
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    methods = (await client.get("/users/me/payment-methods", headers=headers)).json()
    assert {m["kind"] for m in methods} == {"card", "gift_card", "paypal"}
    assert len((await client.get("/users/me/addresses", headers=headers)).json()) == 1


async def test_tau_shoppers_cannot_log_in(client: httpx.AsyncClient, seeded: SeedReport) -> None:
    response = await client.post(
        "/auth/login", json={"email": "noah.brown7922@example.com", "password": "password"}
    )
    assert response.status_code == 401


async def test_seeded_catalog_is_searchable(client: httpx.AsyncClient, seeded: SeedReport) -> None:
    page = (await client.get("/products", params={"q": "blue t-shirt"})).json()
    assert [item["name"] for item in page["items"]] == ["T-Shirt"]
    assert "blue" in page["items"][0]["options"]["color"]
    categories = {c["name"] for c in (await client.get("/categories")).json()}
    assert {"Clothing", "Electronics", "Footwear"} <= categories


def test_cli_seed_prints_the_demo_logins(tmp_path: Path) -> None:
    env = {**os.environ, "DOMTOK_DATA_DIR": str(tmp_path), "DOMTOK_ENVIRONMENT": "test"}
    env.pop("DOMTOK_DATABASE_URL", None)
    command = [sys.executable, "-m", "cli.main", "seed", "--demo"]
    first = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    for account in (DEMO_SHOPPER, DEMO_ADMIN, DEMO_MERCHANT):
        assert account.email in first.stdout
        assert account.password in first.stdout
    second = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert "nothing changed" in second.stdout
