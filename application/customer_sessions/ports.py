from __future__ import annotations

from datetime import datetime
from typing import Protocol

from application.customers.ports import CustomerUnitOfWork
from domain.customer_session import CustomerSession


class CustomerSessionRepository(Protocol):
    async def create(self, session: CustomerSession) -> CustomerSession: ...

    async def get_usable_by_digest(self, digest: str, now: datetime) -> CustomerSession | None:
        """The live, unexpired session with this token digest whose customer and organization
        are live; None otherwise."""
        ...

    async def delete_expired(self, now: datetime, *, limit: int) -> int:
        """Delete up to `limit` sessions expired at `now`; returns how many were deleted."""
        ...


class CustomerSessionUnitOfWork(CustomerUnitOfWork, Protocol):
    customer_sessions: CustomerSessionRepository
