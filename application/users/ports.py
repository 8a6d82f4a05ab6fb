from __future__ import annotations

import uuid
from typing import Protocol

from application.uow import UnitOfWork
from domain.user import User


class UserRepository(Protocol):
    async def get(self, id: uuid.UUID) -> User | None: ...

    async def get_by_email(self, email: str) -> User | None:
        """Case-insensitive on the whole address, among live users."""
        ...

    async def create(self, user: User) -> User: ...


class UserUnitOfWork(UnitOfWork, Protocol):
    users: UserRepository
