"""The memory unit of work: its own view of the store, published on commit."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any

from adapters.memory.store import MemoryStore, MemoryView
from application.ports import Clock, Job, JobArgument, JobQueue

# How a repository is built for a unit of work: memory repositories take the unit of work's
# view and the clock.
MemoryRepositoryFactory = Callable[[MemoryView, Clock], Any]


class InMemoryUnitOfWork:
    """Repositories over one `MemoryView`.

    A repository is built when the unit of work is first asked for it (`uow.products`), from
    the factories the modules registered. Commit publishes the view's changes and the
    enqueued jobs; leaving without a commit drops them.
    """

    def __init__(
        self,
        store: MemoryStore,
        clock: Clock,
        queue: JobQueue | None,
        repositories: Mapping[str, MemoryRepositoryFactory],
        *,
        read_only: bool = False,
    ) -> None:
        self.store = store
        self.view = MemoryView(store)
        self.clock = clock
        self.queue = queue
        self.read_only = read_only
        self.committed = False
        self._repositories = repositories
        self._jobs: list[Job] = []

    def __getattr__(self, name: str) -> Any:
        # Only called for attributes not set yet: a repository's first use.
        factory = self._repositories.get(name)
        if factory is None:
            raise AttributeError(f"no repository named {name!r} is registered")
        repository = factory(self.view, self.clock)
        setattr(self, name, repository)
        return repository

    def enqueue(self, job_name: str, **arguments: JobArgument) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot enqueue jobs")
        self._jobs.append(Job(name=job_name, arguments=arguments))

    async def commit(self) -> None:
        if self.read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        jobs, self._jobs = self._jobs, []
        self.view.publish()
        self.store.outbox.extend(jobs)
        self.committed = True
        if self.queue is not None:
            for job in jobs:
                await self.queue.send(job)

    async def rollback(self) -> None:
        self._jobs = []
        self.view.discard()


class _Scope:
    """`async with factory.read()/write() as uow`; leaving rolls back what was not committed."""

    __slots__ = ("_factory", "_read_only", "_uow")

    def __init__(self, factory: InMemoryUnitOfWorkFactory, *, read_only: bool) -> None:
        self._factory = factory
        self._read_only = read_only
        self._uow: InMemoryUnitOfWork | None = None

    async def __aenter__(self) -> Any:
        factory = self._factory
        self._uow = InMemoryUnitOfWork(
            factory.store,
            factory.clock,
            factory.queue,
            factory.repositories,
            read_only=self._read_only,
        )
        return self._uow

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        assert self._uow is not None
        await self._uow.rollback()


class InMemoryUnitOfWorkFactory:
    def __init__(
        self,
        store: MemoryStore,
        clock: Clock,
        queue: JobQueue | None = None,
        *,
        repositories: Mapping[str, MemoryRepositoryFactory],
    ) -> None:
        self.store = store
        self.clock = clock
        self.queue = queue
        self.repositories = repositories

    def write(self) -> Any:
        return _Scope(self, read_only=False)

    def read(self) -> Any:
        return _Scope(self, read_only=True)
