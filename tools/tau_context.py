"""The run context of τ tools: the shop's context plus the τ support desk."""

from __future__ import annotations

from services.bootstrap import Container
from services.kernel.actor import Actor
from services.tau.desk import TauDesk
from tools.base import ShopContext, ShopRuntime, context_of


class DeskContext(ShopContext):
    """A run context carrying the τ desk (``tau replay`` uses it; the support agent's context
    carries a desk too)."""

    __slots__ = ("desk",)

    def __init__(self, actor: Actor, services: Container, desk: TauDesk) -> None:
        super().__init__(actor, services)
        self.desk = desk


def desk_of(runtime: ShopRuntime) -> TauDesk:
    """The run's desk; τ tools cannot run without one."""
    return desk_in(context_of(runtime))


def desk_in(context: ShopContext) -> TauDesk:
    """The desk of a run context (RuntimeError when it has none)."""
    desk = getattr(context, "desk", None)
    if not isinstance(desk, TauDesk):
        raise RuntimeError("τ tools need a run context with a TauDesk")
    return desk
