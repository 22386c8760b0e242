"""Application settings: one pydantic-settings model read from the environment (prefix DOMTOK_)."""

from __future__ import annotations

import ipaddress
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_JWT_SECRET = "change-me-development-only-secret-000000"
# HMAC with a shared secret, or a public-key algorithm; never "none" or an unknown name.
JWT_ALGORITHMS = (
    "HS256", "HS384", "HS512",
    "RS256", "RS384", "RS512",
    "PS256", "PS384", "PS512",
    "ES256", "ES256K", "ES384", "ES512",
    "EdDSA",
)  # fmt: skip

Environment = Literal["development", "test", "production"]
ModelProvider = Literal["local", "openai", "scripted"]

log = logging.getLogger(__name__)


def _otel(default: Any, name: str, *specific: str) -> Any:
    """A field read from ``DOMTOK_<name>`` or else the OpenTelemetry SDK's own variables: the
    ``specific`` ones (a signal's own, e.g. ``..._TRACES_PROTOCOL``) before ``name``."""
    return Field(default=default, validation_alias=AliasChoices(f"DOMTOK_{name}", *specific, name))


class Settings(BaseSettings):
    """Every tunable of DomTok. Unset servers mean the embedded default (SQLite, in-process bus)."""

    model_config = SettingsConfigDict(
        env_prefix="DOMTOK_",
        env_file=".env",
        extra="ignore",
        validate_default=True,
        populate_by_name=True,
    )

    environment: Environment = "development"
    data_dir: Path = Path("./var")
    database_url: str = ""
    sql_echo: bool = False

    jwt_secret: str = DEFAULT_JWT_SECRET
    jwt_algorithm: str = "HS256"
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(default=14, ge=1, le=365)

    currency: str = Field(default="USD", min_length=3, max_length=3)
    default_page_size: int = Field(default=20, ge=1, le=100)
    max_page_size: int = Field(default=100, ge=1, le=1000)

    image_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)
    # Any other request body (JSON) larger than this is refused with 413 before a route runs.
    request_max_bytes: int = Field(default=1024 * 1024, ge=1024)
    media_url_prefix: str = "/media"

    order_expiry_minutes: int = Field(default=10, ge=1)
    payment_token_minutes: int = Field(default=15, ge=1)
    expiry_sweep_seconds: float = Field(default=30.0, gt=0)
    # True when `domtok worker` sweeps expired orders, so API processes do not run their own.
    external_worker: bool = False
    # `domtok worker` serves Prometheus metrics (GET /metrics) here; "off" (or empty): no
    # server; 0 picks a free port (the worker prints it). In a container, listen on 0.0.0.0.
    worker_metrics_host: str = "127.0.0.1"
    worker_metrics_port: int | None = Field(default=9100, ge=0, le=65535)
    # One buyer's unpaid orders hold stock from everyone else until they expire: cap them.
    max_unpaid_orders: int = Field(default=5, ge=1)
    max_unpaid_units_per_variant: int = Field(default=10, ge=1)
    refund_requests_per_minute: int = Field(default=3, ge=1)
    # Failed logins before exponential lockout (login_lockout_seconds, doubling per further
    # failure up to login_lockout_max_seconds): from one client address over all accounts, and
    # on one account from one address; over all addresses an account is only ever locked for
    # login_account_lockout_max_seconds, so strangers cannot lock the owner out.
    login_failures_per_client: int = Field(default=20, ge=1)
    login_failures_per_account_client: int = Field(default=5, ge=1)
    login_failures_per_account: int = Field(default=50, ge=1)
    login_lockout_seconds: float = Field(default=1.0, gt=0)
    login_lockout_max_seconds: float = Field(default=900.0, gt=0)
    login_account_lockout_max_seconds: float = Field(default=30.0, gt=0)
    # Failures are forgotten this long after the last one.
    login_failure_window_seconds: float = Field(default=900.0, gt=0)
    shipping_flat_minor: int = Field(default=0, ge=0)
    # τ-bench retail's order policy: items can be swapped once, then the order can no longer be
    # swapped again or cancelled (`domtok tau` turns it on for its databases).
    orders_single_item_change: bool = False

    redis_url: str = ""
    # Every Redis call gives up after this long; after a failure Redis is skipped (the in-process
    # or database fallback answers) for redis_retry_seconds.
    redis_timeout_seconds: float = Field(default=0.5, gt=0)
    redis_retry_seconds: float = Field(default=2.0, ge=0)
    cache_product_seconds: int = Field(default=300, ge=1)
    cache_search_seconds: int = Field(default=30, ge=1)
    # Without Redis, product and search pages are cached in each process this long (0: off);
    # other processes' changes show after at most this delay (see services/catalog/cache_local.py).
    cache_local_seconds: float = Field(default=5.0, ge=0)
    # How often the Redis stock counters are reset from the database (the authority).
    stock_reconcile_seconds: float = Field(default=30.0, gt=0)
    kafka_bootstrap: str = ""
    elasticsearch_url: str = ""
    # Kafka topics are "<prefix>.<event family>", e.g. domtok.order.
    kafka_topic_prefix: str = Field(default="domtok", pattern=r"^[A-Za-z0-9._-]{1,100}$")
    kafka_partitions: int = Field(default=3, ge=1, le=1000)
    # Consumer groups are "<prefix>-<consumer>", e.g. domtok-search-indexer.
    kafka_group_prefix: str = "domtok"
    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    outbox_batch_size: int = Field(default=200, ge=1, le=10_000)
    # Searches read this alias; reindexing moves it to a freshly built index.
    elasticsearch_index: str = Field(default="domtok-products", pattern=r"^[a-z0-9][a-z0-9._-]*$")
    elasticsearch_timeout: float = Field(default=3.0, gt=0)
    # After Elasticsearch failed, search uses SQL for this long before trying it again.
    search_retry_seconds: float = Field(default=5.0, ge=0)
    # Hybrid search in the SQL engine (services/catalog/search_hybrid.py): "on" adds products
    # whose embedding is close to the query's after the keyword hits. Needs the `vector` extra.
    search_vectors: Literal["off", "on"] = "off"
    # Cosine similarity a product needs to be added by its embedding alone, and how many are.
    search_vector_min_similarity: float = Field(default=0.3, ge=-1.0, le=1.0)
    search_vector_hits: int = Field(default=20, ge=1, le=200)
    # How often a search checks whether products changed since their embeddings were made.
    search_vector_check_seconds: float = Field(default=1.0, ge=0)
    # torch threads of the embedding model (see services/catalog/embeddings.py for why one).
    search_vector_threads: int = Field(default=1, ge=1, le=64)

    # Traces (config/telemetry.py): each also reads the standard OTEL_* variable of its name.
    # The OTLP/HTTP base endpoint (e.g. http://collector:4318; /v1/traces is appended), or the
    # traces endpoint itself; then spans are exported unless the exporter list says otherwise.
    otel_exporter_otlp_endpoint: str = _otel("", "OTEL_EXPORTER_OTLP_ENDPOINT")
    otel_exporter_otlp_traces_endpoint: str = _otel("", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    # Only http/protobuf is installed; "grpc" is refused with a warning.
    otel_exporter_otlp_protocol: str = _otel(
        "http/protobuf", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
    )
    # Comma-separated: otlp, console, none. Unset: otlp when an endpoint is set.
    otel_traces_exporter: str = _otel("", "OTEL_TRACES_EXPORTER")
    otel_console: bool = False
    otel_service_name: str = _otel("domtok", "OTEL_SERVICE_NAME")
    otel_sdk_disabled: bool = _otel(False, "OTEL_SDK_DISABLED")
    # JSON log lines (with trace ids); None means JSON in production only.
    log_json: bool | None = None

    model_provider: ModelProvider = "local"
    openai_base_url: str = ""
    openai_api_key: str = ""
    openai_model: str = "gpt-4o-mini"
    llm_host: str = "127.0.0.1"
    llm_port: int = 8088
    # Where the assembled GGUF lives; None means ~/.cache/domtok/models (kept out of data_dir so
    # every checkout and test database shares one 1 GB copy). Env: DOMTOK_MODEL_DIR.
    model_dir: Path | None = None
    # Tokens: the fixed prompt (rules and 27 tool schemas) takes about 5k, a multi-step turn's
    # tool results up to 6k more; 8192 overflowed on turns that read two product pages.
    llm_n_ctx: int = Field(default=16384, ge=512, le=32768)
    # 0 means one thread per CPU core.
    llm_threads: int = Field(default=0, ge=0, le=256)
    # The longest reply (tokens) the agent asks the local model for: a brief answer or one
    # tool call fits; the server's own default (1024) can cost two minutes on 2 cores.
    llm_max_tokens: int = Field(default=400, ge=16, le=4096)
    # Seconds the launcher waits for a started server to load and warm up.
    llm_start_timeout: float = Field(default=300.0, gt=0)
    # Optional chat-completion request (JSON) evaluated at start so its prefix is cached.
    llm_warmup_file: Path | None = None
    agent_max_tool_calls: int = Field(default=8, ge=1, le=50)
    agent_recursion_limit: int = Field(default=25, ge=4, le=200)
    # Characters of earlier turns sent with each model call (agent.window): older tool results,
    # then older turns, are left out of the prompt beyond it. The current turn is always whole.
    agent_history_chars: int = Field(default=24_000, ge=1_000, le=1_000_000)
    # Planned turns (agent.planning): the model names the changes a request asks for and the
    # graph carries the turn through to them. "auto" plans for the bundled local model only
    # (measured on the held-out split: 63% of cases against 43% for its plain ReAct loop).
    agent_planning: Literal["auto", "on", "off"] = "auto"
    # JSON list of steps the `scripted` model replays; unset means the rule-based demo script.
    agent_script: Path | None = None

    @field_validator("worker_metrics_port", mode="before")
    @classmethod
    def _port_or_off(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() in {"", "off", "none"}:
            return None
        return value

    @field_validator("jwt_algorithm")
    @classmethod
    def _known_jwt_algorithm(cls, value: str) -> str:
        if value not in JWT_ALGORITHMS:
            raise ValueError(
                f"DOMTOK_JWT_ALGORITHM must be one of {', '.join(JWT_ALGORITHMS)} (got {value!r})"
            )
        return value

    @model_validator(mode="after")
    def _fill_defaults_and_refuse_weak_secrets(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.data_dir / 'domtok.db'}"
        if self.environment == "production" and self.jwt_secret == DEFAULT_JWT_SECRET:
            raise ValueError("DOMTOK_JWT_SECRET must be set to a strong secret outside development")
        if self.environment == "production" and len(self.jwt_secret) < 32:
            raise ValueError("DOMTOK_JWT_SECRET must be at least 32 characters in production")
        return self

    @property
    def uses_default_jwt_secret(self) -> bool:
        """True when tokens are signed with the published development secret."""
        return self.jwt_secret == DEFAULT_JWT_SECRET

    @property
    def is_sqlite(self) -> bool:
        """True when the database is the embedded SQLite file."""
        return self.database_url.startswith("sqlite")

    @property
    def media_dir(self) -> Path:
        """Where the local storage adapter keeps uploaded images."""
        return self.data_dir / "media"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses; wildcard binds (0.0.0.0, ::) are not."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def warn_if_default_secret_exposed(settings: Settings, host: str) -> bool:
    """Log a loud warning when the published default JWT secret signs tokens for a server bound
    to a non-loopback ``host``: anyone who reads the source can forge any user's token.
    Returns whether it warned. (Production refuses the default secret outright.)"""
    if not settings.uses_default_jwt_secret or is_loopback(host):
        return False
    log.warning(
        "SECURITY: serving %s with the default DOMTOK_JWT_SECRET; anyone can forge tokens "
        "for any account. Set DOMTOK_JWT_SECRET to a long random secret.",
        host,
    )
    return True
