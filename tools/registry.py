"""Every shop tool, in the order the model sees them."""

from __future__ import annotations

from tools import carts, catalog, coupons, orders, payments, users
from tools.base import ShopTool, ToolKind

TOOLS: tuple[ShopTool, ...] = (
    *catalog.TOOLS,
    *carts.TOOLS,
    *orders.TOOLS,
    *payments.TOOLS,
    *users.TOOLS,
    *coupons.TOOLS,
)

TOOLS_BY_NAME: dict[str, ShopTool] = {tool.name: tool for tool in TOOLS}


def kind_of(name: str) -> ToolKind:
    """The risk class of a tool (KeyError for an unknown name)."""
    return TOOLS_BY_NAME[name].kind
