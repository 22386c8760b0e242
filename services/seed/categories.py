"""Shop categories for the τ product types (τ has 50 types and no categories of its own)."""

from __future__ import annotations

CATEGORIES: dict[str, tuple[str, tuple[str, ...]]] = {
    "Clothing": ("Tops and jackets.", ("T-Shirt", "Fleece Jacket")),
    "Footwear": ("Shoes and boots.", ("Running Shoes", "Sneakers", "Hiking Boots")),
    "Electronics": (
        "Computers, phones, audio, cameras and gadgets.",
        (
            "Action Camera",
            "Bluetooth Speaker",
            "Digital Camera",
            "E-Reader",
            "Gaming Mouse",
            "Headphones",
            "Laptop",
            "Mechanical Keyboard",
            "Portable Charger",
            "Smart Watch",
            "Smartphone",
            "Tablet",
            "Wireless Earbuds",
        ),
    ),
    "Smart Home": (
        "Connected devices for the home.",
        ("Indoor Security Camera", "LED Light Bulb", "Smart Thermostat"),
    ),
    "Kitchen": (
        "Appliances for coffee, tea and cooking.",
        ("Coffee Maker", "Electric Kettle", "Espresso Machine", "Tea Kettle"),
    ),
    "Home & Furniture": (
        "Furniture, lighting and home appliances.",
        ("Air Purifier", "Bookshelf", "Desk Lamp", "Office Chair", "Vacuum Cleaner", "Wall Clock"),
    ),
    "Outdoor & Garden": ("Patio and garden gear.", ("Garden Hose", "Grill", "Patio Umbrella")),
    "Sports & Fitness": (
        "Cycling, training and outdoor sports.",
        ("Bicycle", "Cycling Helmet", "Dumbbell Set", "Skateboard", "Water Bottle", "Yoga Mat"),
    ),
    "Bags & Travel": ("Backpacks and luggage.", ("Backpack", "Luggage Set")),
    "Accessories": ("Watches and eyewear.", ("Sunglasses", "Wristwatch")),
    "Beauty & Personal Care": (
        "Cosmetics, fragrance and personal care.",
        ("Electric Toothbrush", "Makeup Kit", "Perfume"),
    ),
    "Books & Stationery": ("Paper and writing.", ("Notebook",)),
    "Toys & Games": ("Puzzles and games.", ("Jigsaw Puzzle",)),
    "Pet Supplies": ("For cats and dogs.", ("Pet Bed",)),
}
FALLBACK_CATEGORY = "Other"
FALLBACK_DESCRIPTION = "Everything else."

_BY_TYPE = {kind: name for name, (_, kinds) in CATEGORIES.items() for kind in kinds}


def category_for(product_type: str) -> str:
    """The category name of a τ product type (``Other`` for a type not listed)."""
    return _BY_TYPE.get(product_type, FALLBACK_CATEGORY)


def category_description(name: str) -> str:
    """The description a seeded category gets."""
    return CATEGORIES[name][0] if name in CATEGORIES else FALLBACK_DESCRIPTION
