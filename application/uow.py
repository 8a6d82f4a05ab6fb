"""The unit of work: one transaction, its repositories, and the jobs it will send.

This is the part every unit of work shares. Which repositories one holds is each module's
business: its use cases name the ones they use in a narrow protocol next to its repository
ports (`ProductUnitOfWork` in application/products/ports.py, say). The adapters' units of work
build whatever repository the registered modules provide, when first asked for it.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from application.ports import JobArgument


class UnitOfWork(Protocol):
    """Repositories sharing one transaction.

    Use cases read and write through the repositories and call `enqueue`; they never commit.
    The boundary (an HTTP route, a worker task) calls `commit` once the use case returned.
    Leaving the unit of work without committing rolls everything back, enqueued jobs included.
    Enqueued jobs are written to an outbox in the same transaction and sent after the commit.
    """

    def enqueue(self, job_name: str, **arguments: JobArgument) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    """Opens units of work holding every registered repository: the caller names the narrow
    protocol it uses (`async with uows.write() as uow:` then `uow: WebhookUnitOfWork`)."""

    def write(self) -> AbstractAsyncContextManager[Any]:
        """A read-write unit of work on the primary database."""
        ...

    def read(self) -> AbstractAsyncContextManager[Any]:
        """A read-only unit of work, on a replica when one is configured. `enqueue` is refused."""
        ...
