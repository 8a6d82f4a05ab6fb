"""Starting and stopping a process's services in the right order."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
from dataclasses import dataclass, field

from dependency_injector import providers
from redis.exceptions import RedisError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from taskiq import AsyncBroker, InMemoryBroker

from adapters.sqlalchemy.engine import warm
from adapters.sqlalchemy.migrate import upgrade
from entrypoints.bootstrap import bootstrap
from entrypoints.container import Container, should_migrate
from entrypoints.periodic import (
    PeriodicJob,
    PeriodicRunner,
    outbox_jobs,
    persist_token_usage,
    queue_heartbeat_job,
    row_count_job,
    token_usage_job,
)
from entrypoints.settings import Adapters, Settings
from entrypoints.worker.tasks import register_all

log = logging.getLogger("meridian")

# Allocations between two young-generation collections of the cyclic garbage collector
# (Python's default: 700). A request allocates thousands of short-lived objects, nearly all
# freed by reference counting, so the default ran a collection every few requests: measured on
# create token (bench/__main__.py, A/B on one database), 50,000 took 6 % off the API's CPU per
# request. What waits for a collection meanwhile is at most this many objects.
GC_YOUNG_THRESHOLD = 50_000


def settle_heap() -> None:
    """Called once a serving process has started. What start-up allocated (modules, the app,
    routes, pools) lives as long as the process: it is kept out of the cyclic collector's reach,
    or each full collection would walk all of it, pausing every request in flight for ~0.1 s;
    and young collections run less often (see GC_YOUNG_THRESHOLD)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 20, 20)


@dataclass
class Runtime:
    container: Container
    role: str
    periodic: PeriodicRunner | None = None
    started: bool = field(default=False)

    async def start(self) -> None:
        settings = self.container.settings()
        bundle = self.container.broker_bundle()
        self._describe(settings, bundle.in_process)
        if self.role == "api":
            self.container.embedded_database_owner.override(providers.Object(True))
        self.container.init_resources()
        if should_migrate(settings):
            async with self.container.write_engine().connect() as connection:
                await upgrade(connection)
        if self.role in ("api", "worker"):
            await self.warm()
        register_all(bundle.broker, self.container)
        await self._start_broker(bundle.broker)
        self.periodic = PeriodicRunner(self._periodic_jobs(settings, bundle.in_process))
        self.periodic.start()
        self.started = True
        if self.role == "api" and settings.adapters is Adapters.memory:
            await self._bootstrap_in_memory(settings)

    async def warm(self) -> None:
        """Open MERIDIAN_DATABASE_POOL_SIZE connections per engine now rather than under the first
        load. Measured (bench/webhooks.py, 100 changes/s): with pools that grew under load, the
        first second of the burst stalled the API and the worker for ~0.3 s while their new
        connections started up, and the backlog took another second to drain. Best effort: a
        database that does not answer yet is the requests' problem (503), not the start's."""
        if self.container.settings().adapters is not Adapters.sqlalchemy:
            return
        count = self.container.settings().database_pool_size
        engines = [self.container.write_engine(), self.container.read_engine()]
        try:
            for engine in engines:
                if engine is not None:
                    await warm(engine, count)
        except (OSError, TimeoutError, DBAPIError, PoolTimeout) as error:
            log.warning("could not open the database connections ahead of time: %s", error)

    async def _bootstrap_in_memory(self, settings: Settings) -> None:
        """No other process can reach this one's memory to run `meridian bootstrap`: create the
        first user and organization here, and print their tokens as it would (on stdout)."""
        tokens = await bootstrap(
            self.container,
            email=settings.bootstrap_email,
            organization=settings.bootstrap_organization,
        )
        print(json.dumps(tokens), flush=True)
        log.info(
            "bootstrapped %s (owner %s): the tokens are on stdout",
            tokens["organization_slug"],
            settings.bootstrap_email,
        )

    def _periodic_jobs(self, settings: Settings, in_process: bool) -> list[PeriodicJob]:
        jobs = []
        if self.role == "api":
            jobs.append(token_usage_job(self.container))
        if (self.role == "api" and in_process) or self.role == "scheduler":
            # Memory units of work send their jobs as they commit: no outbox to relay.
            if settings.adapters is Adapters.sqlalchemy:
                jobs.extend(outbox_jobs(self.container))
                jobs.append(row_count_job(self.container))
            for module in self.container.modules():
                if module.periodic is not None:
                    jobs.extend(module.periodic(self.container))
        if self.role == "scheduler":
            jobs.append(queue_heartbeat_job(self.container))
        return jobs

    async def _start_broker(self, broker: AsyncBroker) -> None:
        """Connect to the queue. The API starts without it (jobs wait in the outbox and the relay
        sends them once Redis answers); a worker or scheduler waits for it."""
        delay = 1.0
        while True:
            try:
                await broker.startup()
                return
            except (OSError, RedisError) as error:
                if self.role in ("api", "cli"):
                    log.warning(
                        "queue unreachable (%s): jobs wait in the outbox until it answers", error
                    )
                    return
                log.warning("queue unreachable (%s); retrying in %.0f s", error, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    def _describe(self, settings: Settings, in_process: bool) -> None:
        if settings.adapters is Adapters.memory:
            log.info(
                "database: none, everything is kept in this process's memory and lost when it "
                "stops (MERIDIAN_ADAPTERS=memory)"
            )
        elif settings.embedded_database:
            log.info(
                "database: embedded PostgreSQL under %s (set MERIDIAN_DATABASE_URL=postgresql://… "
                "to use your own server)",
                settings.data_dir.resolve(),
            )
        else:
            log.info("database: %s", _redact(settings.database_url or ""))
        if in_process:
            log.info(
                "jobs: in-process (set MERIDIAN_REDIS_URL=redis://… and run `uv run task worker` "
                "and `uv run task scheduler` to use Redis)"
            )
        else:
            log.info("jobs: Redis Streams at %s", _redact(settings.redis_url or ""))
        if settings.s3_bucket:
            log.info(
                "storage: S3 bucket %s at %s",
                settings.s3_bucket,
                settings.s3_endpoint_url or f"AWS {settings.s3_region}",
            )
        elif settings.adapters is Adapters.memory:
            log.info(
                "storage: files in a temporary directory removed at exit, served at %s/storage/",
                settings.api_base_url,
            )
        else:
            log.info(
                "storage: files under %s, served at %s/storage/ (set MERIDIAN_S3_BUCKET to use S3)",
                (settings.data_dir / "files").resolve(),
                settings.api_base_url,
            )

    async def stop(self) -> None:
        if not self.started:
            return
        self.started = False
        if self.periodic is not None:
            await self.periodic.stop()
        bundle = self.container.broker_bundle()
        if isinstance(bundle.broker, InMemoryBroker):
            await bundle.broker.wait_all()
        if self.role == "api":
            try:
                await persist_token_usage(self.container)
            except Exception:
                log.warning("could not persist token usage at shutdown", exc_info=True)
        await bundle.broker.shutdown()
        redis = self.container.request_redis()
        if redis is not None:
            await redis.aclose()
        if self.container.settings().adapters is Adapters.sqlalchemy:
            read_engine = self.container.read_engine()
            if read_engine is not None:
                await read_engine.dispose()
            await self.container.write_engine().dispose()
        self.container.shutdown_resources()


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        user = credentials.split(":", 1)[0]
        return (
            f"{scheme}://{user}:***@{host}" if ":" in credentials else f"{scheme}://{user}@{host}"
        )
    return url
