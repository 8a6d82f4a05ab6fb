"""All settings, from `MERIDIAN_*` environment variables (or a `.env` file). Read only by the container."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from application.webhooks.delivery import DEFAULT_RETRY_DELAYS

DEVELOPMENT_SECRET = "meridian-development-secret-do-not-use-in-production"  # noqa: S105 - refused outside development


class Environment(StrEnum):
    development = "development"
    test = "test"
    production = "production"


class LogFormat(StrEnum):
    text = "text"
    json = "json"


class Adapters(StrEnum):
    """Where the repositories keep their data."""

    sqlalchemy = "sqlalchemy"
    # Everything in the API process's memory, lost on exit: client tests and demos.
    memory = "memory"


class IdempotencyStore(StrEnum):
    """Where Idempotency-Key records are kept."""

    # The units of work's own store (PostgreSQL, or memory with the memory adapters): a
    # response is committed in the same transaction as the request's writes.
    database = "database"
    # Redis (MERIDIAN_REDIS_URL): no load on the database, but a response is recorded just
    # after the request's transaction commits (see README, Idempotency).
    redis = "redis"


class PaymentProcessorKind(StrEnum):
    """Which processor charges and refunds (the client reports every one as `stripe`)."""

    # Embedded, emulating Stripe's test mode: confirmation tokens decide outcomes
    # (adapters/payments/sandbox.py). The only one for now.
    sandbox = "sandbox"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MERIDIAN_", env_file=".env", extra="ignore")

    env: Environment = Environment.development
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    # `text` (human-readable) or `json` (one object per line, for log collectors).
    log_format: LogFormat = LogFormat.text

    adapters: Adapters = Adapters.sqlalchemy
    # With the memory adapters, the API creates this user and organization at start-up and
    # prints their tokens (no other process can reach its memory to run `meridian bootstrap`).
    bootstrap_email: str = "admin@example.com"
    bootstrap_organization: str = "Acme"

    # Unset: an embedded PostgreSQL under data_dir, started and migrated by the API.
    database_url: str | None = None
    database_read_url: str | None = None
    database_pool_size: int = Field(default=10, ge=1, le=200)
    # Seconds a unit of work waits for a pooled connection before the request answers 503.
    database_pool_timeout: float = Field(default=5.0, gt=0, le=60)
    # Read-only units of work run cached SELECTs on the driver's connection, past SQLAlchemy's
    # execution layer (adapters/sqlalchemy/kit/direct.py). Off: every read through SQLAlchemy.
    direct_reads: bool = True
    # Unset: jobs run in the API process. Set: jobs go to Redis Streams for `meridian worker`.
    redis_url: str | None = None
    # Stream (and schedule key prefix) in Redis; separate deployments sharing a Redis differ here.
    queue_name: str = "meridian:jobs"
    secret: str = DEVELOPMENT_SECRET
    data_dir: Path = Path(".data")

    max_body_size: int = 10 * 1024 * 1024
    # Bytes of a request's line and headers `meridian api` reads; past it the request gets a 431.
    max_header_size: int = Field(default=32 * 1024, ge=1024, le=1024 * 1024)
    outbox_relay_interval: float = Field(default=10.0, gt=0)
    token_usage_flush_interval: float = Field(default=30.0, gt=0)
    job_max_retries: int = Field(default=8, ge=0)
    # Seconds an authenticated token is trusted without a lookup. A revoked token stops working
    # at once on the process that revoked it, and within this time on the others. 0 disables.
    auth_cache_ttl: float = Field(default=5.0, ge=0, le=300)
    # FastAPI's native OpenTelemetry (spans, metrics, logs to the global providers). Off unless
    # asked for: checking for providers costs every request a little even when none is set up.
    opentelemetry: bool = False
    # Migrate on start-up. Always done for the embedded database; for others, `meridian migrate`.
    auto_migrate: bool = False

    # Files. The URL clients reach this API at, used in the storage URLs it hands out; unset:
    # http://{host}:{port} (127.0.0.1 when bound to every address).
    base_url: str | None = None
    # Object storage: S3 (or MinIO, R2…) when a bucket is set, else files under data_dir/files.
    s3_endpoint_url: str | None = None
    s3_bucket: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    s3_region: str = "us-east-1"
    # The endpoint presigned URLs name, when clients reach the storage by another address than
    # the server (docker compose: the API uses http://minio:9000, clients http://127.0.0.1:9000).
    s3_presign_endpoint_url: str | None = None
    # Where public objects (product media, avatars) are served from; unset: through the API.
    s3_public_url: str | None = None
    file_max_size: int = Field(default=1024 * 1024 * 1024, ge=1, le=5 * 1024**4)
    # Seconds a presigned upload or download URL stays valid.
    file_url_ttl: int = Field(default=3600, ge=1, le=7 * 24 * 3600)

    # Seconds a job may stay unacknowledged on Redis before another worker re-claims it (a
    # killed worker's jobs). Longer than the longest job, or a slow job runs twice.
    job_redelivery_timeout: float = Field(default=60.0, gt=0)

    # Webhooks. Seconds to wait after the 1st, 2nd… failed attempt (JSON list); the default
    # retries 10 times over ~2.9 days. Each wait gets up to `jitter` of itself added at random.
    webhook_retry_delays: list[float] = Field(
        default_factory=lambda: [float(d) for d in DEFAULT_RETRY_DELAYS],
        min_length=1,
        max_length=50,
    )
    webhook_retry_jitter: float = Field(default=0.1, ge=0, le=1)
    webhook_timeout: float = Field(default=10.0, gt=0, le=60)
    # Seconds a newer event waits for an older pending one of the same endpoint.
    webhook_order_wait: float = Field(default=60.0, ge=0)
    webhook_disable_after: int = Field(default=10, ge=1)
    webhook_archive_after_days: int = Field(default=90, ge=1)
    # How often the scheduler queues due retries and work a dead worker dropped.
    webhook_sweep_interval: float = Field(default=5.0, gt=0)
    # Development only: allow webhook URLs on loopback addresses (127.0.0.1, ::1), over http
    # too. Off by default; refused in production.
    webhook_allow_loopback: bool = False

    # Idempotency-Key records: in the database (default, even when Redis is configured) or in
    # Redis. See IdempotencyStore.
    idempotency_store: IdempotencyStore = IdempotencyStore.database

    # Rate limits (on by default, with Polar's numbers). Counters live in Redis when
    # MERIDIAN_REDIS_URL is set (shared by every API process), in this process otherwise.
    rate_limits: bool = True

    # Payments: the processor behind the payments port (MERIDIAN_PAYMENT_PROCESSOR).
    payment_processor: PaymentProcessorKind = PaymentProcessorKind.sandbox

    # Limits per group, overriding the defaults: {"default": "1000/minute", "checkout_confirm":
    # "6/minute;20/hour"} (the `limits` library's notation).
    rate_limit_rules: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _refuse_unsafe_settings(self) -> Settings:
        if self.env is Environment.production:
            if self.adapters is Adapters.memory:
                raise ValueError("MERIDIAN_ADAPTERS=memory keeps nothing: not for production.")
            if self.secret == DEVELOPMENT_SECRET or len(self.secret) < 32:
                raise ValueError(
                    "MERIDIAN_SECRET must be set to a random value of at least 32 characters "
                    "outside development (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)."
                )
            if self.database_url is None:
                raise ValueError("MERIDIAN_DATABASE_URL is required in production.")
            if self.webhook_allow_loopback:
                raise ValueError("MERIDIAN_WEBHOOK_ALLOW_LOOPBACK is for development only.")
        if self.idempotency_store is IdempotencyStore.redis and not self.redis_url:
            raise ValueError("MERIDIAN_IDEMPOTENCY_STORE=redis needs MERIDIAN_REDIS_URL.")
        if self.adapters is Adapters.memory and self.redis_url:
            raise ValueError(
                "MERIDIAN_ADAPTERS=memory runs jobs in the API process: no worker can reach its "
                "memory, so unset MERIDIAN_REDIS_URL."
            )
        return self

    @property
    def embedded_database(self) -> bool:
        return self.adapters is Adapters.sqlalchemy and self.database_url is None

    @property
    def api_base_url(self) -> str:
        if self.base_url:
            return self.base_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host  # noqa: S104 - compared, not bound
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"
