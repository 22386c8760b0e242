"""The evaluation set's shape: shopper requests with the tool calls and end state they expect.

Cases live in YAML files, one per split under ``agent/eval/cases/``:

* ``dev.yaml``: the set prompts and argument fixes were tuned on (its figures are not held out);
* ``test.yaml``: held out, written apart from the agent's code and never tuned on (a test checks
  that none of its texts leaks into ``agent/`` or ``tools/``).

Each case names a tool family, a language, the shopper's text, optional setup (cart lines,
orders, coupons), optional earlier turns (replayed before the scored one), the expected calls
and end-state checks:

    - id: search-budget
      family: catalog.search
      lang: en
      text: find me running shoes under 200 dollars
      expect:
        calls:
          - name: search_products
            args: {query: {contains: running shoes}, max_price: {number: 200}}

A case with no expected calls must not call a tool; one call is a single-step case (scored on
the first call made); two or more is a multi-step task (scored by end state, see
:mod:`agent.eval.scoring`). Argument rules are described in :mod:`agent.eval.matching`.
"""

from __future__ import annotations

import enum
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

FAMILIES: tuple[str, ...] = (
    "catalog.search",
    "catalog.details",
    "catalog.categories",
    "cart.view",
    "cart.add",
    "cart.change",
    "cart.remove",
    "cart.clear",
    "orders.place",
    "orders.list",
    "orders.details",
    "orders.cancel",
    "orders.address",
    "orders.payment",
    "orders.swap",
    "payments.token",
    "payments.pay",
    "payments.history",
    "returns.return",
    "returns.exchange",
    "account.profile",
    "account.addresses",
    "account.payment_methods",
    "coupons.available",
    "coupons.mine",
    "coupons.claim",
    "no_tool",
)


SPLITS: tuple[str, ...] = ("dev", "test")
Split = Literal["dev", "test"]


class CaseKind(enum.StrEnum):
    """How a case is scored."""

    NO_TOOL = "no_tool"
    SINGLE = "single"
    MULTI = "multi"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExpectedCall(_Strict):
    """One expected call: a tool name and argument rules (or alternatives of such calls)."""

    name: str = ""
    args: dict[str, Any] = Field(default_factory=dict)
    alternatives: list[ExpectedCall] = Field(default_factory=list)

    @model_validator(mode="after")
    def _named_or_alternatives(self) -> ExpectedCall:
        if bool(self.name) == bool(self.alternatives):
            raise ValueError("an expected call has a name or alternatives, not both")
        return self

    def options(self) -> list[ExpectedCall]:
        """The calls that satisfy this expectation."""
        return list(self.alternatives) or [self]


class VariantSpec(_Strict):
    """A variant picked from the seeded catalog by product name and option values."""

    product: str
    options: dict[str, str] = Field(default_factory=dict)
    pick: Literal["cheapest", "dearest"] = "cheapest"
    available: bool = True


class ItemSpec(_Strict):
    """A variant (by alias) and a quantity."""

    variant: str
    quantity: int = Field(default=1, ge=1, le=99)


class OrderSpec(_Strict):
    """An order of the shopper's, created before the case in the given status."""

    items: list[ItemSpec] = Field(min_length=1)
    status: Literal["pending_payment", "paid", "shipped", "delivered", "cancelled"] = "paid"


class CouponSpec(_Strict):
    """A shop-wide coupon created before the case (claimed by the shopper if ``claimed``)."""

    code: str
    percent_off: int | None = Field(default=None, ge=1, le=100)
    amount_off: float | None = Field(default=None, gt=0)
    min_spend: float = 0
    claimed: bool = False


class AddressSpec(_Strict):
    """An extra saved address of the shopper's (the demo shopper has one)."""

    recipient: str
    line1: str
    city: str
    zip: str
    country: str
    state: str = ""


class Setup(_Strict):
    """The shop state a case starts from (on top of the demo-seeded shop)."""

    variants: dict[str, VariantSpec] = Field(default_factory=dict)
    addresses: dict[str, AddressSpec] = Field(default_factory=dict)
    cart: list[ItemSpec] = Field(default_factory=list)
    orders: dict[str, OrderSpec] = Field(default_factory=dict)
    coupons: list[CouponSpec] = Field(default_factory=list)


class PriorTurn(_Strict):
    """An earlier turn replayed through the graph (with a scripted model) before the case."""

    user: str
    calls: list[dict[str, Any]] = Field(default_factory=list)
    reply: str = ""


class StateCheck(_Strict):
    """One end-state check, run as the shopper after the case (see :mod:`agent.eval.state`)."""

    kind: Literal[
        "cart_has",
        "cart_lacks",
        "cart_lines",
        "cart_product",
        "order_status",
        "order_has",
        "order_address",
        "order_payment",
        "new_order",
        "coupon_claimed",
        "addresses",
    ]
    variant: str | None = None
    product: str | None = None
    address: str | None = None
    method: str | None = None
    quantity: int | None = None
    count: int | None = None
    order: str | None = None
    status: str | None = None
    variants: list[str] = Field(default_factory=list)
    code: str | None = None


class Expectation(_Strict):
    """What the agent should do: these calls, in this order, leaving this state."""

    calls: list[ExpectedCall] = Field(default_factory=list)
    state: list[StateCheck] = Field(default_factory=list)


class EvalCase(_Strict):
    """One shopper request of the evaluation set."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    family: str
    lang: Literal["en", "zh"]
    text: str = Field(min_length=1)
    setup: Setup = Field(default_factory=Setup)
    prior: list[PriorTurn] = Field(default_factory=list)
    expect: Expectation = Field(default_factory=Expectation)
    confirm: Literal["approve", "decline"] = "approve"
    note: str = ""

    @model_validator(mode="after")
    def _known_family(self) -> EvalCase:
        if self.family not in FAMILIES:
            raise ValueError(f"{self.id}: unknown family {self.family!r}")
        if (self.family == "no_tool") != (not self.expect.calls):
            raise ValueError(f"{self.id}: no_tool cases, and only they, expect no calls")
        return self

    @property
    def kind(self) -> CaseKind:
        """no_tool, single (one expected call) or multi (several)."""
        count = len(self.expect.calls)
        if count == 0:
            return CaseKind.NO_TOOL
        return CaseKind.SINGLE if count == 1 else CaseKind.MULTI

    @property
    def steps(self) -> int:
        """How many calls the case expects (0 for no-tool cases)."""
        return len(self.expect.calls)


class CaseFileError(ValueError):
    """The cases file is missing or does not describe valid cases."""


def split_path(split: Split = "test") -> Path:
    """The packaged cases file of a split (``dev``: tuned on; ``test``: held out)."""
    if split not in SPLITS:
        raise CaseFileError(f"unknown split {split!r}: choose one of {', '.join(SPLITS)}")
    return Path(str(resources.files("agent.eval").joinpath(f"cases/{split}.yaml")))


def load_cases(path: Path | None = None, *, split: Split = "test") -> list[EvalCase]:
    """Read and validate a cases file (default: the packaged ``split``); ids must be unique."""
    source = path or split_path(split)
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CaseFileError(f"cannot read {source}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise CaseFileError(f"{source} is not valid YAML: {exc}") from exc
    if not isinstance(raw, list):
        raise CaseFileError(f"{source}: expected a list of cases")
    try:
        cases = [EvalCase.model_validate(item) for item in raw]
    except ValueError as exc:
        raise CaseFileError(f"{source}: {exc}") from exc
    seen: set[str] = set()
    for case in cases:
        if case.id in seen:
            raise CaseFileError(f"{source}: duplicate case id {case.id!r}")
        seen.add(case.id)
    return cases
