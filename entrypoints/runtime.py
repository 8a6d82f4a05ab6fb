"""Starting and stopping a process's services in the right order."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from redis.exceptions import RedisError
from taskiq import AsyncBroker, InMemoryBroker

from adapters.sqlalchemy.migrate import upgrade
from entrypoints.container import Container, should_migrate
from entrypoints.periodic import (
    PeriodicRunner,
    outbox_jobs,
    persist_token_usage,
    queue_heartbeat_job,
    token_usage_job,
    webhook_jobs,
)
from entrypoints.worker.tasks import register_all

log = logging.getLogger("meridian")


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
        self.container.init_resources()
        if should_migrate(settings):
            async with self.container.write_engine().connect() as connection:
                await upgrade(connection)
        register_all(bundle.broker, self.container)
        await self._start_broker(bundle.broker)
        jobs = []
        if self.role == "api":
            jobs.append(token_usage_job(self.container))
        if (self.role == "api" and bundle.in_process) or self.role == "scheduler":
            jobs.extend(outbox_jobs(self.container))
            jobs.extend(webhook_jobs(self.container))
        if self.role == "scheduler":
            jobs.append(queue_heartbeat_job(self.container))
        self.periodic = PeriodicRunner(jobs)
        self.periodic.start()
        self.started = True

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

    def _describe(self, settings: object, in_process: bool) -> None:
        from entrypoints.settings import Settings

        assert isinstance(settings, Settings)
        if settings.embedded_database:
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
