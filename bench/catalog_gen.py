"""A generated catalog for the search benchmark: many products with plausible words.

Deterministic (seeded), inserted in bulk with SQLAlchemy Core, two variants per product.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.catalog.models import Category, Product, Variant
from services.kernel.ids import new_id

NOUNS = {
    "Footwear": ["Running Shoes", "Hiking Boots", "Sneakers", "Sandals", "Slippers"],
    "Electronics": ["Headphones", "Speaker", "Charger", "Camera", "Keyboard", "Mouse"],
    "Kitchen": ["Kettle", "Coffee Maker", "Knife Set", "Frying Pan", "Blender"],
    "Clothing": ["Jacket", "T-Shirt", "Hoodie", "Jeans", "Scarf"],
    "Sports": ["Yoga Mat", "Dumbbell Set", "Bicycle", "Helmet", "Water Bottle"],
    "Home": ["Desk Lamp", "Bookshelf", "Office Chair", "Wall Clock", "Rug"],
    "Bags": ["Backpack", "Duffel Bag", "Suitcase", "Tote"],
    "Garden": ["Garden Hose", "Grill", "Patio Umbrella", "Planter"],
    "Toys": ["Puzzle", "Board Game", "Kite", "Robot Kit"],
    "Beauty": ["Perfume", "Hair Dryer", "Makeup Kit", "Toothbrush"],
}
ADJECTIVES = [
    "Lightweight", "Waterproof", "Classic", "Ergonomic", "Compact", "Premium", "Vintage",
    "Wireless", "Smart", "Eco", "Heavy-Duty", "Portable", "Slim", "Deluxe", "Organic", "Rugged",
    "Modern", "Foldable", "Insulated", "Breathable",
]  # fmt: skip
MATERIALS = [
    "Cotton", "Leather", "Steel", "Bamboo", "Wool", "Carbon", "Ceramic", "Nylon", "Oak",
    "Silicone", "Aluminium", "Linen", "Glass", "Canvas", "Titanium",
]  # fmt: skip
USES = ["travel", "the office", "camping", "everyday use", "training", "gifts", "kids", "winter"]
COLORS = ["black", "white", "red", "blue", "green", "grey", "brown", "yellow"]
SIZES = ["S", "M", "L", "XL"]
CHUNK = 5000


def _rows(
    count: int, categories: dict[str, str], currency: str
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    rng = random.Random(42)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    names = list(NOUNS)
    for n in range(count):
        category = names[n % len(names)]
        noun = rng.choice(NOUNS[category])
        adjective, material = rng.choice(ADJECTIVES), rng.choice(MATERIALS)
        colors = rng.sample(COLORS, 2)
        created = start + timedelta(minutes=n)
        product_id = new_id("prd")
        product = {
            "id": product_id,
            "name": f"{adjective} {material} {noun} {n % 997}",
            "description": (
                f"{rng.choice(ADJECTIVES)} {noun.lower()} made of {material.lower()}, great for "
                f"{rng.choice(USES)}. Available in {colors[0]} and {colors[1]}."
            ),
            "category_id": categories[category],
            "is_active": True,
            "created_at": created,
            "updated_at": created,
        }
        variants = [
            {
                "id": new_id("var"),
                "product_id": product_id,
                "options": {"color": color, "size": rng.choice(SIZES)},
                "price_minor": rng.randint(5, 500) * 100 - 1,
                "currency": currency,
                "price_version": 1,
                "on_hand": rng.choice((0, 3, 10, 50)),
                "reserved": 0,
                "is_available": True,
                "is_active": True,
                "created_at": created,
                "updated_at": created,
            }
            for color in colors
        ]
        yield product, variants


async def generate(
    sessions: async_sessionmaker[AsyncSession], count: int, currency: str = "USD"
) -> dict[str, int]:
    """Insert ``count`` products (and their categories and variants); returns row counts."""
    now = datetime.now(UTC)
    categories = {name: new_id("cat") for name in NOUNS}
    async with sessions() as session:
        await session.execute(
            insert(Category),
            [
                {
                    "id": cid,
                    "name": f"{name}",
                    "description": "",
                    "created_at": now,
                    "updated_at": now,
                }
                for name, cid in categories.items()
            ],
        )
        await session.commit()
    products: list[dict[str, Any]] = []
    variants: list[dict[str, Any]] = []
    totals = {"products": 0, "variants": 0}

    async def flush() -> None:
        async with sessions() as session:
            await session.execute(insert(Product), products)
            await session.execute(insert(Variant), variants)
            await session.commit()
        totals["products"] += len(products)
        totals["variants"] += len(variants)
        products.clear()
        variants.clear()

    for product, product_variants in _rows(count, categories, currency):
        products.append(product)
        variants.extend(product_variants)
        if len(products) >= CHUNK:
            await flush()
    if products:
        await flush()
    return totals
