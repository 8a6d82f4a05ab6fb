"""The composition root: the one place that reads settings and builds adapters."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Generator, Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

from dependency_injector import containers, providers
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.cache import TtlCredentialCache
from adapters.clock import SystemClock
from adapters.email.log import LoggingEmailSender
from adapters.embedded.postgres import EmbeddedPostgres
from adapters.localfs.storage import LocalObjectStorage
from adapters.memory.store import MemoryStore
from adapters.memory.uow import InMemoryUnitOfWorkFactory
from adapters.ratelimits import RequestCounters
from adapters.redis.client import request_redis
from adapters.s3.storage import S3ObjectStorage
from adapters.security import HmacTokenHasher
from adapters.sqlalchemy.engine import EngineConnectionSource, create_engine
from adapters.sqlalchemy.outbox import OutboxRelay
from adapters.sqlalchemy.uow import SqlAlchemyUnitOfWorkFactory
from adapters.taskiq.broker import RetryPolicy, build_broker
from adapters.taskiq.queue import TaskiqJobQueue
from adapters.usage import BufferedTokenUsageRecorder
from application.files.ports import ObjectStorage
from application.ports import Clock
from application.uow import UnitOfWorkFactory
from entrypoints.http.rate_limits import RateLimits
from entrypoints.modules import MODULES, Module
from entrypoints.settings import Adapters, Settings

log = logging.getLogger("meridian")


def _database_url(settings: Settings, owner: bool = False) -> Generator[str, None, None]:
    """The primary database URL; with none configured, an embedded server under the data dir.

    The `owner` of an embedded server (the API) adopts one that a killed process left running,
    and stops it on exit; other processes merely attach. The memory adapters use none."""
    if settings.adapters is Adapters.memory:
        yield ""
        return
    if settings.database_url:
        yield settings.database_url
        return
    embedded = EmbeddedPostgres(settings.data_dir, adopt_orphans=owner)
    url = embedded.start()
    try:
        yield url
    finally:
        embedded.stop()


def _read_engine(url: str | None, pool_size: int, pool_timeout: float) -> AsyncEngine | None:
    return create_engine(url, pool_size=pool_size, pool_timeout=pool_timeout) if url else None


def should_migrate(settings: Settings) -> bool:
    if settings.adapters is Adapters.memory:
        return False
    return settings.embedded_database or settings.auto_migrate


def _files_root(settings: Settings) -> Generator[Path, None, None]:
    """Where the local storage keeps files: under the data dir, or with the memory adapters in
    a temporary directory removed at shutdown (their records go with the process)."""
    if settings.adapters is not Adapters.memory:
        yield settings.data_dir / "files"
        return
    with tempfile.TemporaryDirectory(prefix="meridian-files-") as root:
        yield Path(root)


def _object_storage(settings: Settings, clock: Clock, files_root: Path) -> ObjectStorage:
    """S3 (or MinIO, R2…) when a bucket is configured; files under the data dir otherwise."""
    if settings.s3_bucket:
        return S3ObjectStorage(
            bucket=settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key,
            public_url=settings.s3_public_url,
            api_base_url=settings.api_base_url,
            presign_endpoint_url=settings.s3_presign_endpoint_url,
        )
    return LocalObjectStorage(
        root=files_root,
        base_url=settings.api_base_url,
        secret=settings.secret,
        clock=clock,
    )


def _units_of_work(adapters: Adapters, **choices: Callable[[], UnitOfWorkFactory]) -> Any:
    """The unit-of-work factory of the configured adapters (only that one is built)."""
    return choices[adapters.value]()


def _request_redis(settings: Settings) -> Redis | None:
    return request_redis(settings.redis_url) if settings.redis_url else None


def _rate_limits(settings: Settings, redis: Redis | None) -> RateLimits:
    """The rate limits, counted in Redis when there is one. Turned off, an object all the same:
    a Singleton provider that returns None builds it again on every call."""
    if not settings.rate_limits:
        return RateLimits.off()
    counters = RequestCounters(
        redis, url=settings.redis_url or "", prefix=f"{settings.queue_name}:ratelimit"
    )
    return RateLimits(counters, settings.rate_limit_rules)


def repositories_for(modules: Iterable[Module], adapter: str) -> dict[str, type[Any]]:
    """Every registered repository's class for `adapter`, by unit-of-work attribute."""
    found: dict[str, type[Any]] = {}
    for module in modules:
        for name, repository in module.repositories.items():
            if name in found:
                raise ValueError(f"repository {name!r} is registered by two modules")
            found[name] = getattr(repository, adapter)
    return found


class Container(containers.DeclarativeContainer):
    settings: providers.Singleton[Settings] = providers.Singleton(Settings)

    clock = providers.Singleton(SystemClock)
    hasher = providers.Singleton(HmacTokenHasher, secret=settings.provided.secret)
    token_usage = providers.Singleton(BufferedTokenUsageRecorder)
    credential_cache = providers.Singleton(
        TtlCredentialCache,
        ttl=providers.Callable(lambda s: timedelta(seconds=s.auth_cache_ttl), settings),
    )

    # Whether this process owns an embedded database (the API does: see Runtime).
    embedded_database_owner = providers.Object(False)
    database_url = providers.Resource(
        _database_url, settings=settings, owner=embedded_database_owner
    )
    # Engines are disposed of by the runtime at shutdown (disposal is asynchronous).
    write_engine = providers.Singleton(
        create_engine,
        url=database_url,
        pool_size=settings.provided.database_pool_size,
        pool_timeout=settings.provided.database_pool_timeout,
    )
    read_engine = providers.Singleton(
        _read_engine,
        url=settings.provided.database_read_url,
        pool_size=settings.provided.database_pool_size,
        pool_timeout=settings.provided.database_pool_timeout,
    )
    connection_source = providers.Singleton(EngineConnectionSource, write_engine, read_engine)

    retry_policy = providers.Singleton(RetryPolicy, max_retries=settings.provided.job_max_retries)
    broker_bundle = providers.Singleton(
        build_broker,
        redis_url=settings.provided.redis_url,
        policy=retry_policy,
        queue_name=settings.provided.queue_name,
        redelivery_timeout=settings.provided.job_redelivery_timeout,
    )
    job_queue = providers.Singleton(TaskiqJobQueue, broker=broker_bundle.provided.broker)

    # The modules (entrypoints/modules/): their repositories make up the units of work.
    modules = providers.Object(MODULES)
    sqlalchemy_units_of_work = providers.Factory(
        SqlAlchemyUnitOfWorkFactory,
        source=connection_source,
        clock=clock,
        queue=job_queue,
        repositories=providers.Callable(repositories_for, modules, "sqlalchemy"),
        direct_reads=settings.provided.direct_reads,
    )
    # With MERIDIAN_ADAPTERS=memory: everything the repositories hold, for the process's life.
    memory_store = providers.Singleton(MemoryStore)
    memory_units_of_work = providers.Factory(
        InMemoryUnitOfWorkFactory,
        store=memory_store,
        clock=clock,
        queue=job_queue,
        repositories=providers.Callable(repositories_for, modules, "memory"),
    )
    uow_factory = providers.Singleton(
        _units_of_work,
        settings.provided.adapters,
        sqlalchemy=sqlalchemy_units_of_work.provider,
        memory=memory_units_of_work.provider,
    )
    outbox_relay = providers.Singleton(
        OutboxRelay, source=connection_source, queue=job_queue, clock=clock
    )
    files_root = providers.Resource(_files_root, settings=settings)
    object_storage = providers.Singleton(
        _object_storage, settings=settings, clock=clock, files_root=files_root
    )

    email_sender = providers.Singleton(LoggingEmailSender)

    # Redis for what requests share across API processes (rate-limit counters, idempotency
    # records when stored there); None without MERIDIAN_REDIS_URL. Closed by the runtime.
    request_redis = providers.Singleton(_request_redis, settings)
    rate_limits = providers.Singleton(_rate_limits, settings, request_redis)

    # Every module's services are set on this class below (see `_install`).


def _install(container: type[Container], modules: Iterable[Module]) -> None:
    """Add each module's service providers to the container class, in the modules' order."""
    for module in modules:
        if module.services is None:
            continue
        for name, provider in module.services(container).items():
            if name in container.providers:
                raise ValueError(f"module {module.name!r} redefines the provider {name!r}")
            setattr(container, name, provider)


_install(Container, MODULES)


def _webhook_event_names(container: Container) -> Callable[[], frozenset[str]]:
    """Asked by the SQL units of work on their first commit: the webhook event types, whose
    jobs are only written when an endpoint subscribes (see adapters/sqlalchemy/uow.py)."""
    return lambda: container.webhook_catalogue().event_types


Container.sqlalchemy_units_of_work.add_kwargs(
    webhook_events=providers.Callable(_webhook_event_names, Container.__self__)
)
