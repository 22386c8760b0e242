"""Reading the bundled τ²-bench retail database into typed records (orders are not read here).

τ money is JSON floats in dollars; it becomes integer cents on the way in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from services.kernel.money import to_minor

DATA_PACKAGE = "services.seed.data"
DATA_FILE = "tau2_retail_db.json"

PaymentSource = Literal["credit_card", "gift_card", "paypal"]


@dataclass(frozen=True, slots=True)
class TauVariant:
    """A τ item: one buyable option set of a product."""

    item_id: str
    options: dict[str, str]
    available: bool
    price_minor: int


@dataclass(frozen=True, slots=True)
class TauProduct:
    """A τ product type (e.g. "T-Shirt") and its items."""

    product_id: str
    name: str
    variants: tuple[TauVariant, ...]


@dataclass(frozen=True, slots=True)
class TauAddress:
    """A τ user's address."""

    address1: str
    address2: str
    city: str
    state: str
    zip: str
    country: str


@dataclass(frozen=True, slots=True)
class TauPayment:
    """A τ payment method: a card (brand, last four), a gift card (balance) or PayPal."""

    id: str
    source: PaymentSource
    brand: str | None = None
    last_four: str | None = None
    balance_minor: int | None = None


@dataclass(frozen=True, slots=True)
class TauUser:
    """A τ shopper."""

    user_id: str
    first_name: str
    last_name: str
    email: str
    address: TauAddress
    payments: tuple[TauPayment, ...]

    @property
    def full_name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True, slots=True)
class Tau2Data:
    """Products and users of the τ retail database, in file order."""

    products: tuple[TauProduct, ...]
    users: tuple[TauUser, ...]

    @property
    def variant_count(self) -> int:
        """Items across all products."""
        return sum(len(product.variants) for product in self.products)


def load_tau2(path: Path | None = None) -> Tau2Data:
    """Parse the τ database (the bundled copy unless ``path`` is given)."""
    if path is None:
        raw = resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_text(encoding="utf-8")
    else:
        raw = path.read_text(encoding="utf-8")
    return parse_tau2(json.loads(raw))


def parse_tau2(document: dict[str, Any]) -> Tau2Data:
    """Typed records from the decoded JSON document."""
    products = tuple(_product(raw) for raw in document["products"].values())
    users = tuple(_user(raw) for raw in document["users"].values())
    return Tau2Data(products=products, users=users)


def _product(raw: dict[str, Any]) -> TauProduct:
    variants = tuple(
        TauVariant(
            item_id=str(item["item_id"]),
            options={str(k): str(v) for k, v in item["options"].items()},
            available=bool(item["available"]),
            price_minor=to_minor(item["price"]),
        )
        for item in raw["variants"].values()
    )
    return TauProduct(product_id=str(raw["product_id"]), name=raw["name"], variants=variants)


def _user(raw: dict[str, Any]) -> TauUser:
    address = raw["address"]
    return TauUser(
        user_id=raw["user_id"],
        first_name=raw["name"]["first_name"],
        last_name=raw["name"]["last_name"],
        email=raw["email"].strip().lower(),
        address=TauAddress(
            address1=address["address1"],
            address2=address.get("address2") or "",
            city=address["city"],
            state=address.get("state") or "",
            zip=address["zip"],
            country=address["country"],
        ),
        payments=tuple(_payment(method) for method in raw["payment_methods"].values()),
    )


def _payment(raw: dict[str, Any]) -> TauPayment:
    source = raw["source"]
    if source == "credit_card":
        return TauPayment(raw["id"], "credit_card", brand=raw["brand"], last_four=raw["last_four"])
    if source == "gift_card":
        return TauPayment(raw["id"], "gift_card", balance_minor=to_minor(raw["balance"]))
    if source == "paypal":
        return TauPayment(raw["id"], "paypal")
    raise ValueError(f"unknown τ payment source {source!r}")
