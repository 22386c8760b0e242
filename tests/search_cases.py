"""Keyword searches the SQL engine must answer alike on SQLite (FTS5) and PostgreSQL (tsvector).

The e2e tests run them through the API on every configured database, the PostgreSQL
integration test runs them on the engine directly; both build :data:`CATALOG` first.
"""

from __future__ import annotations

from services.bootstrap import Container
from services.catalog.schemas import CategoryIn, PriceIn, ProductIn, VariantIn
from services.kernel.actor import Actor
from services.users.schemas import RegisterIn

# name, category, description, search terms, option sets of its variants
CATALOG: list[tuple[str, str, str, str, list[dict[str, str]]]] = [
    ("Yoga Mat", "Fitness", "Non-slip, 6 mm thick.", "瑜伽垫 健身垫", [{"color": "purple"}]),
    ("Foam Block", "Fitness", "Supports yoga poses on the mat.", "", [{}]),
    ("Cork Strap", "Fitness", "", "yoga", [{}]),
    ("running shoes", "Footwear", "Light trainers.", "", [{"size": "9"}]),
    ("Trail Vest", "Clothing", "Pockets for a long run.", "", [{"size": "m"}]),
    ("T-Shirt Classic", "Clothing", "Men's cotton tee.", "t恤", [{"color": "navy"}]),
    ("Digital Camera", "Electronics", "Compact zoom.", "数码相机", [{}]),
]

# query text -> the names found, best first
CASES: list[tuple[str, list[str]]] = [
    ("yoga mats", ["Yoga Mat", "Foam Block"]),
    ("YOGA MAT", ["Yoga Mat", "Foam Block"]),
    ("Running Shoe", ["running shoes"]),
    # Stemmed: "run" finds "running" (a name, first) and "run" (a description).
    ("run", ["running shoes", "Trail Vest"]),
    # A name match first, then search terms before a description.
    ("yoga", ["Yoga Mat", "Cork Strap", "Foam Block"]),
    ("purple", ["Yoga Mat"]),
    ("footwear", ["running shoes"]),
    ("shirts", ["T-Shirt Classic"]),
    ("t-shirt", ["T-Shirt Classic"]),
    ("men's tee", ["T-Shirt Classic"]),
    ("camera zoom", ["Digital Camera"]),
    ("shoe rack", []),
    # Chinese: a stored term, a run holding one, part of a stored term, mixed with English.
    ("瑜伽垫", ["Yoga Mat"]),
    ("蓝色瑜伽垫", ["Yoga Mat"]),
    ("相机", ["Digital Camera"]),
    ("瑜伽垫 purple", ["Yoga Mat"]),
    ("t恤", ["T-Shirt Classic"]),
    # Query syntax is plain text: OR and NEAR are words no product has; "-" is no NOT.
    ("yoga OR sandals", []),
    ("NEAR(yoga mat)", []),
    ("-yoga* mat", ["Yoga Mat", "Foam Block"]),
    ('"yoga" (mat)', ["Yoga Mat", "Foam Block"]),
]

# Queries made of FTS5 / tsquery / SQL syntax: each must answer, never fail.
SYNTAX: list[str] = [
    '"',
    "'",
    "*",
    "-",
    "(",
    ")(",
    "NEAR",
    "AND OR NOT",
    '"unterminated',
    "NEAR(a b, 2)",
    "name:yoga",
    "{name}: yoga",
    "^yoga",
    "c++",
    "yoga' OR 1=1 --",
    'x"y',
    "\\",
    "%",
    "_",
    "a & b | !c <-> d",
    "🧘 yoga",
]


async def admin(container: Container) -> Actor:
    """A fresh admin account (its products need an existing user)."""
    data = RegisterIn(
        email="search-admin@example.com",
        password="correct-horse-42",  # type: ignore[arg-type]
        name="Admin",
    )
    user = await container.users.create_user(data, role="admin")
    return Actor(user.id, "admin")


async def build_catalog(container: Container, actor: Actor) -> dict[str, str]:
    """Create :data:`CATALOG`; returns product ids by name."""
    categories: dict[str, str] = {}
    ids: dict[str, str] = {}
    for name, category, description, terms, option_sets in CATALOG:
        if category not in categories:
            created = await container.catalog.create_category(actor, CategoryIn(name=category))
            categories[category] = created.id
        variants = [
            VariantIn(options=o, price=PriceIn(amount=1000), on_hand=3) for o in option_sets
        ]
        data = ProductIn(
            name=name,
            description=description,
            search_terms=terms,
            category_id=categories[category],
            variants=variants,
        )
        ids[name] = (await container.catalog.create_product(actor, data)).id
    return ids
