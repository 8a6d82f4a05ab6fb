from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from adapters.memory.benefits import InMemoryBenefitRepository
from adapters.memory.discounts import InMemoryDiscountRepository
from adapters.memory.files import InMemoryFileRepository
from adapters.memory.meters import InMemoryMeterRepository
from adapters.memory.products import InMemoryProductRepository
from adapters.memory.repositories import (
    InMemoryMembershipRepository,
    InMemoryOrganizationAccessTokenRepository,
    InMemoryOrganizationRepository,
    InMemoryPersonalAccessTokenRepository,
    InMemoryUserRepository,
)
from adapters.memory.store import MemoryStore
from adapters.memory.webhooks import (
    InMemoryWebhookDeliveryRepository,
    InMemoryWebhookEndpointRepository,
    InMemoryWebhookEventRepository,
)
from application.ports import Clock, Job, JobArgument, JobQueue


class InMemoryUnitOfWork:
    """A unit of work over a MemoryStore: rollback restores the snapshot taken at the start."""

    def __init__(
        self, store: MemoryStore, clock: Clock, queue: JobQueue | None, *, read_only: bool = False
    ) -> None:
        self.store = store
        self.clock = clock
        self.queue = queue
        self.read_only = read_only
        self.committed = False
        self._jobs: list[Job] = []
        self._snapshot = store.snapshot()
        self.users = InMemoryUserRepository(store, clock)
        self.memberships = InMemoryMembershipRepository(store, clock)
        self.organizations = InMemoryOrganizationRepository(store, clock, self.memberships)
        self.personal_access_tokens = InMemoryPersonalAccessTokenRepository(
            store, clock, self.users
        )
        self.organization_access_tokens = InMemoryOrganizationAccessTokenRepository(
            store, clock, self.organizations, self.memberships
        )
        self.discounts = InMemoryDiscountRepository(store, clock, self.memberships)
        self.files = InMemoryFileRepository(store, clock, self.memberships)
        self.benefits = InMemoryBenefitRepository(store, clock, self.memberships)
        self.meters = InMemoryMeterRepository(store, clock, self.memberships)
        self.products = InMemoryProductRepository(store, clock, self.memberships)
        self.webhook_endpoints = InMemoryWebhookEndpointRepository(store, clock, self.memberships)
        self.webhook_events = InMemoryWebhookEventRepository(store, clock, self.memberships)
        self.webhook_deliveries = InMemoryWebhookDeliveryRepository(store, clock, self.memberships)

    def enqueue(self, job_name: str, **arguments: JobArgument) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot enqueue jobs")
        self._jobs.append(Job(name=job_name, arguments=arguments))

    @property
    def pending_jobs(self) -> list[Job]:
        return list(self._jobs)

    async def commit(self) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        jobs, self._jobs = self._jobs, []
        self.store.outbox.extend(jobs)
        self._snapshot = self.store.snapshot()
        self.committed = True
        if self.queue is not None:
            for job in jobs:
                await self.queue.send(job)

    async def rollback(self) -> None:
        self._jobs = []
        self.store.restore(self._snapshot)
        self._snapshot = self.store.snapshot()


class InMemoryUnitOfWorkFactory:
    def __init__(self, store: MemoryStore, clock: Clock, queue: JobQueue | None = None) -> None:
        self.store = store
        self.clock = clock
        self.queue = queue

    @asynccontextmanager
    async def _open(self, *, read_only: bool) -> AsyncIterator[Any]:
        uow = InMemoryUnitOfWork(self.store, self.clock, self.queue, read_only=read_only)
        try:
            yield uow
        finally:
            await uow.rollback()

    def write(self) -> Any:
        return self._open(read_only=False)

    def read(self) -> Any:
        return self._open(read_only=True)
