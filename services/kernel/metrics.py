"""Every Prometheus metric of DomTok, in one place, served by ``GET /metrics``.

Code that counts something imports the object from here and increments it, e.g.
``AGENT_TURNS.labels(outcome="ok").inc()``; label values must come from small fixed sets
(never ids or free text), so series stay few.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUEST_SECONDS = Histogram(
    "domtok_http_request_duration_seconds",
    "HTTP request latency by route template.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

ORDERS_CREATED = Counter("domtok_orders_created_total", "Orders placed (committed).")
ORDERS_PAID = Counter("domtok_orders_paid_total", "Orders paid (committed).")
ORDER_EVENTS = Counter(
    "domtok_order_events_total", "Committed order events by kind (created, paid, ...).", ["kind"]
)
PAYMENTS = Counter(
    "domtok_payments_total", "Payment movements by kind (captured, refunded, failed).", ["kind"]
)
PAYMENT_AMOUNT_MINOR = Counter(
    "domtok_payment_amount_minor_total",
    "Money moved by payments, in minor units of the currency.",
    ["kind", "currency"],
)

AGENT_TURNS = Counter("domtok_agent_turns_total", "Agent turns by outcome.", ["outcome"])
TOOL_CALLS = Counter(
    "domtok_tool_calls_total", "Agent tool calls by tool and outcome.", ["tool", "outcome"]
)
MODEL_TOKENS = Counter(
    "domtok_model_tokens_total",
    "Model tokens by provider and kind (prompt, completion).",
    ["provider", "kind"],
)

SEARCH_REQUESTS = Counter("domtok_search_requests_total", "Product searches by engine.", ["engine"])
SEARCH_FALLBACKS = Counter(
    "domtok_search_fallbacks_total",
    "Searches answered by SQL because Elasticsearch could not (reason: unreachable, no_index).",
    ["reason"],
)

OUTBOX_PUBLISHED = Counter(
    "domtok_outbox_published_total", "Outbox events marked published, by sink.", ["sink"]
)
OUTBOX_RELAY_FAILURES = Counter(
    "domtok_outbox_relay_failures_total", "Relay batches that failed and will be retried."
)
OUTBOX_PENDING = Gauge("domtok_outbox_pending", "Unpublished outbox events seen by the last poll.")
CONSUMED_EVENTS = Counter(
    "domtok_consumed_events_total",
    "Events handled by consumers, by consumer and outcome.",
    ["consumer", "outcome"],
)
