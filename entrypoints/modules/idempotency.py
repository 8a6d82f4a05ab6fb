"""Idempotency-Key records: their repositories, the service the HTTP layer drives, the sweep."""

from __future__ import annotations

from typing import Any

from dependency_injector import providers

from adapters.memory.idempotency import InMemoryIdempotencyRecords
from adapters.redis.idempotency import RedisIdempotencyStore
from adapters.sealing import AesGcmSealer
from adapters.sqlalchemy.repositories.idempotency import SqlAlchemyIdempotencyRecords
from application.idempotency.ports import SeparateIdempotencyStore
from application.idempotency.service import IdempotencyService
from entrypoints.modules.base import Module, Repository
from entrypoints.periodic import PeriodicJob
from entrypoints.settings import IdempotencyStore as StoreSetting
from entrypoints.settings import Settings

# Seconds between sweeps of expired records (Redis expires its own).
SWEEP_INTERVAL = 300.0


def _store(settings: Settings, redis: Any) -> SeparateIdempotencyStore | None:
    """Redis when chosen; None keeps the records in the units of work's database."""
    if settings.idempotency_store is StoreSetting.redis:
        return RedisIdempotencyStore(redis, prefix=f"{settings.queue_name}:idempotency:")
    return None


def _services(c: Any) -> dict[str, providers.Provider[Any]]:
    return {
        "idempotency_service": providers.Singleton(
            IdempotencyService,
            uows=c.uow_factory,
            clock=c.clock,
            sealer=providers.Singleton(AesGcmSealer, secret=c.settings.provided.secret),
            store=providers.Callable(_store, c.settings, c.request_redis),
        )
    }


def _periodic(container: Any) -> list[PeriodicJob]:
    async def sweep() -> None:
        await container.idempotency_service().sweep()

    return [PeriodicJob("idempotency.sweep", SWEEP_INTERVAL, sweep)]


module = Module(
    name="idempotency",
    repositories={
        "idempotency_records": Repository(SqlAlchemyIdempotencyRecords, InMemoryIdempotencyRecords)
    },
    services=_services,
    periodic=_periodic,
)
