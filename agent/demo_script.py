"""The ``scripted`` model's default script: a few phrasings mapped to tool plans.

It stands in for a language model in demos and end-to-end tests (``--model scripted``): the
real graph, tools, confirmations and streaming run; only the decisions come from these rules.
It understands requests such as "search <words> under 100", "add var_123 to my cart",
"add <product words> to my cart", "checkout with coupon SAVE10", "pay ord_…", "cancel ord_…",
"my orders", "my cart" and a few Chinese equivalents (搜索, 购物车, 下单, 支付, 订单 …).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from agent.demo_replies import describe, help_text
from agent.prompts import is_chinese
from agent.scripted import assistant_turns, make_message
from tools.base import parse_result

Results = list[tuple[str, Any, dict[str, Any] | None]]
StepFn = Callable[[Results], dict[str, Any] | None]

_ID = r"([a-z]{2,4}_[0-9a-z]+)"


@dataclass(frozen=True)
class Rule:
    """A pattern over the shopper's message and the plan of tool calls it starts."""

    pattern: re.Pattern[str]
    plan: Callable[[re.Match[str], str], list[StepFn]]


def _call(name: str, **args: Any) -> StepFn:
    return lambda _results: {"name": name, "args": args}


def _last(results: Results, name: str) -> Any:
    for tool, result, error in reversed(results):
        if tool == name and error is None:
            return result
    return None


def _first_product(results: Results) -> dict[str, Any] | None:
    page = _last(results, "search_products") or {}
    items = page.get("items") or []
    return {"name": "get_product", "args": {"product_id": items[0]["id"]}} if items else None


def _first_variant(quantity: int) -> StepFn:
    def step(results: Results) -> dict[str, Any] | None:
        product = _last(results, "get_product") or {}
        variants = [v for v in product.get("variants", []) if v.get("in_stock")]
        if not variants:
            return None
        return {
            "name": "add_to_cart",
            "args": {"variant_id": variants[0]["id"], "quantity": quantity},
        }

    return step


def _place_order(coupon: str | None) -> StepFn:
    def step(results: Results) -> dict[str, Any] | None:
        addresses = _last(results, "list_addresses") or []
        if not addresses:
            return None
        chosen = next((a for a in addresses if a.get("is_default")), addresses[0])
        args: dict[str, Any] = {"address_id": chosen["id"]}
        if coupon:
            args["coupon_code"] = coupon
        return {"name": "place_order", "args": args}

    return step


def _pending_order(order_id: str | None) -> StepFn:
    def step(results: Results) -> dict[str, Any] | None:
        if order_id:
            return None
        return {"name": "list_orders", "args": {"status": "pending_payment"}}

    return step


def _order_id(results: Results, given: str | None) -> str | None:
    if given:
        return given
    page = _last(results, "list_orders") or {}
    items = page.get("items") or []
    return items[0]["id"] if items else None


def _token(order_id: str | None) -> StepFn:
    def step(results: Results) -> dict[str, Any] | None:
        chosen = _order_id(results, order_id)
        return {"name": "get_payment_token", "args": {"order_id": chosen}} if chosen else None

    return step


def _pay(order_id: str | None, method_id: str | None) -> StepFn:
    def step(results: Results) -> dict[str, Any] | None:
        chosen = _order_id(results, order_id)
        token = (_last(results, "get_payment_token") or {}).get("payment_token")
        methods = _last(results, "list_payment_methods") or []
        method = method_id or _preferred_method(methods)
        if not (chosen and token and method):
            return None
        args = {"order_id": chosen, "payment_method_id": method, "payment_token": token}
        return {"name": "pay_order", "args": args}

    return step


def _preferred_method(methods: list[dict[str, Any]]) -> str | None:
    """PayPal, then a gift card, then a card: imported demo cards may not be chargeable."""
    rank = {"paypal": 0, "gift_card": 1, "card": 2}
    ordered = sorted(methods, key=lambda m: rank.get(str(m.get("kind")), 3))
    return str(ordered[0]["id"]) if ordered else None


def _return_all(order_id: str) -> StepFn:
    def step(results: Results) -> dict[str, Any] | None:
        order = _last(results, "get_order") or {}
        items = [{"variant_id": line["variant_id"]} for line in order.get("lines", [])]
        if not items:
            return None
        return {"name": "request_return", "args": {"order_id": order_id, "items": items}}

    return step


def _search_plan(match: re.Match[str], text: str) -> list[StepFn]:
    query = match.group("q").strip(" ?.!。？")
    args: dict[str, Any] = {}
    price = re.search(r"(?:under|below|less than|低于|以下)\s*\$?(\d+(?:\.\d+)?)", query)
    if price:
        args["max_price"] = price.group(1)
        query = query[: price.start()].strip()
    return [_call("search_products", query=query, **args)]


def _add_by_name(match: re.Match[str], text: str) -> list[StepFn]:
    quantity = int(match.group("n") or 1)
    search = _call("search_products", query=match.group("q").strip(), in_stock=True)
    return [search, _first_product, _first_variant(quantity)]


def _checkout(match: re.Match[str], text: str) -> list[StepFn]:
    coupon = re.search(r"(?:coupon|code|优惠券)\s*([A-Za-z0-9_-]{3,40})", text)
    return [_call("list_addresses"), _place_order(coupon.group(1).upper() if coupon else None)]


def _pay_plan(match: re.Match[str], text: str) -> list[StepFn]:
    order = re.search(r"\b(ord_[0-9a-z]+)", text)
    method = re.search(r"\b(pm_[0-9a-z]+)", text)
    order_id, method_id = (order.group(1) if order else None), (method.group(1) if method else None)
    steps = [_pending_order(order_id), _token(order_id)]
    if method_id is None:
        steps.append(_call("list_payment_methods"))
    return [*steps, _pay(order_id, method_id)]


def _simple(name: str, **fixed: Any) -> Callable[[re.Match[str], str], list[StepFn]]:
    def plan(match: re.Match[str], text: str) -> list[StepFn]:
        args = {key: match.group(group) for key, group in fixed.items()}
        return [_call(name, **args)]

    return plan


RULES: tuple[Rule, ...] = (
    Rule(re.compile(r"\bpay\b|支付|付款", re.I), _pay_plan),
    Rule(
        re.compile(r"payment methods?|\bcards?\b|支付方式", re.I),
        lambda m, t: [_call("list_payment_methods")],
    ),
    Rule(
        re.compile(rf"(?:cancel|取消)\s*(?:order\s*)?{_ID}", re.I),
        lambda m, t: [_call("cancel_order", order_id=m.group(1), reason="Requested in chat")],
    ),
    Rule(
        re.compile(rf"(?:return|退货)\s*(?:order\s*)?{_ID}", re.I),
        lambda m, t: [_call("get_order", order_id=m.group(1)), _return_all(m.group(1))],
    ),
    Rule(re.compile(r"check ?out|place (?:an |the |my )?order|下单|结账", re.I), _checkout),
    Rule(
        re.compile(r"add (?:(?P<n>\d+) (?:x )?)?(?P<v>var_[0-9a-z]+)", re.I),
        lambda m, t: [
            _call("add_to_cart", variant_id=m.group("v"), quantity=int(m.group("n") or 1))
        ],
    ),
    Rule(
        re.compile(r"add (?:(?P<n>\d+) )?(?P<q>.+?) to (?:my |the )?(?:cart|basket)", re.I),
        _add_by_name,
    ),
    Rule(
        re.compile(r"(?:remove|删除)\s*(var_[0-9a-z]+)", re.I),
        _simple("remove_from_cart", variant_id=1),
    ),
    Rule(
        re.compile(r"(?:empty|clear)\s*(?:my |the )?cart|清空购物车", re.I),
        lambda m, t: [_call("clear_cart")],
    ),
    Rule(re.compile(r"(?:cart|basket|购物车)", re.I), lambda m, t: [_call("view_cart")]),
    Rule(re.compile(rf"(?:order|订单)\s*{_ID}", re.I), _simple("get_order", order_id=1)),
    Rule(re.compile(r"\borders?\b|订单", re.I), lambda m, t: [_call("list_orders")]),
    Rule(re.compile(r"(prd_[0-9a-z]+)", re.I), _simple("get_product", product_id=1)),
    Rule(
        re.compile(r"(?:search|find|look for|show me|搜索|查找|找)\s*(?:for\s+)?(?P<q>.+)", re.I),
        _search_plan,
    ),
    Rule(re.compile(r"claim\s+([A-Za-z0-9_-]{3,40})", re.I), _simple("claim_coupon", code=1)),
    Rule(re.compile(r"my coupons|我的优惠券", re.I), lambda m, t: [_call("list_my_coupons")]),
    Rule(re.compile(r"coupons?|优惠券", re.I), lambda m, t: [_call("list_available_coupons")]),
    Rule(re.compile(r"address|地址", re.I), lambda m, t: [_call("list_addresses")]),
    Rule(
        re.compile(r"payment methods?|cards?|支付方式", re.I),
        lambda m, t: [_call("list_payment_methods")],
    ),
    Rule(re.compile(r"categor|分类|类别", re.I), lambda m, t: [_call("list_categories")]),
    Rule(
        re.compile(r"profile|who am i|my account|我是谁|账户", re.I),
        lambda m, t: [_call("get_profile")],
    ),
)


class DemoScript:
    """Answers the shopper's latest message by running the first matching rule's plan."""

    def respond(self, messages: Sequence[BaseMessage]) -> AIMessage:
        """The next call of the plan, or a reply describing what the calls returned."""
        start = max(i for i, m in enumerate(messages) if isinstance(m, HumanMessage))
        text = messages[start].text
        chinese = is_chinese(text)
        results: Results = [
            (m.name or "", *parse_result(m.content, m.artifact))
            for m in messages[start + 1 :]
            if isinstance(m, ToolMessage)
        ]
        plan = _plan_for(text)
        if plan is None:
            return AIMessage(content=help_text(chinese))
        if not results or results[-1][2] is None:
            call = _next_call(plan, results, messages[start + 1 :])
            if call is not None:
                return make_message({"call": [call]}, assistant_turns(messages))
        return AIMessage(content=describe(results, chinese))


def _next_call(
    plan: list[StepFn], results: Results, since: Sequence[BaseMessage]
) -> dict[str, Any] | None:
    """Replay the plan: steps whose call was already made are passed, the next one is returned.

    Steps are pure functions of the results so far, so replaying them is deterministic.
    """
    made = [c["name"] for m in since if isinstance(m, AIMessage) for c in m.tool_calls]
    for step in plan:
        call = step(results)
        if call is None:
            continue
        if made and made[0] == call["name"]:
            made.pop(0)
            continue
        return call
    return None


def _plan_for(text: str) -> list[StepFn] | None:
    for rule in RULES:
        match = rule.pattern.search(text)
        if match:
            return rule.plan(match, text)
    return None
