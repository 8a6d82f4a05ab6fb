"""Periodic work that runs in a long-lived process (the scheduler, or the API when embedded)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from adapters.sqlalchemy.kit.counts import FOLD_BATCH, fold_row_counts
from adapters.taskiq.broker import HEARTBEAT_JOB
from application.ports import Job
from application.tokens.authentication import flush_token_usage

if TYPE_CHECKING:
    from entrypoints.container import Container

log = logging.getLogger("meridian.periodic")


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    interval: float
    run: Callable[[], Awaitable[object]]


class PeriodicRunner:
    """Runs each job every `interval` seconds until stopped; a failing round is logged and retried."""

    def __init__(self, jobs: list[PeriodicJob]) -> None:
        self.jobs = jobs
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._loop(job), name=job.name) for job in self.jobs]

    async def _loop(self, job: PeriodicJob) -> None:
        while True:
            await asyncio.sleep(job.interval)
            try:
                await job.run()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("periodic job %s failed", job.name)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []


def outbox_jobs(container: Container) -> list[PeriodicJob]:
    settings = container.settings()
    relay = container.outbox_relay()

    async def relay_all() -> None:
        while await relay.relay_once() >= relay.batch_size:
            pass

    return [
        PeriodicJob("outbox.relay", settings.outbox_relay_interval, relay_all),
        PeriodicJob("outbox.prune", 3600.0, relay.prune),
    ]


# Seconds between folds of the row counts' changes (a list's total sums the changes since).
ROW_COUNT_FOLD_INTERVAL = 5.0


def row_count_job(container: Container) -> PeriodicJob:
    """Folds the changes the row-count triggers appended (adapters/sqlalchemy/kit/counts.py)."""
    source = container.connection_source()

    async def fold() -> None:
        while await fold_row_counts(source, batch=FOLD_BATCH) >= FOLD_BATCH:
            pass

    return PeriodicJob("row_counts.fold", ROW_COUNT_FOLD_INTERVAL, fold)


def token_usage_job(container: Container) -> PeriodicJob:
    async def flush() -> None:
        await persist_token_usage(container)

    return PeriodicJob("tokens.flush_usage", container.settings().token_usage_flush_interval, flush)


async def persist_token_usage(container: Container) -> int:
    async with container.uow_factory().write() as uow:
        count: int = await flush_token_usage(uow, container.token_usage())
        await uow.commit()
    return count


def queue_heartbeat_job(container: Container) -> PeriodicJob:
    """See HEARTBEAT_JOB: keeps re-claiming a dead worker's jobs going on a quiet queue."""
    settings = container.settings()

    async def beat() -> None:
        try:
            await container.job_queue().send(Job(name=HEARTBEAT_JOB, arguments={}))
        except Exception as error:  # noqa: BLE001 - an unreachable queue is worth a line only
            log.warning("queue heartbeat not sent: %s", error)

    return PeriodicJob(HEARTBEAT_JOB, max(1.0, settings.job_redelivery_timeout / 2), beat)
