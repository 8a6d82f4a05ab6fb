from __future__ import annotations

import uuid

from sqlalchemy import func

from adapters.sqlalchemy.kit.repository import (
    RepositoryBase,
    SoftDeletionMixin,
    register_unique_field,
)
from adapters.sqlalchemy.tables import users
from domain.user import User

register_unique_field("uq_users_email_live", "email", "A user with this email already exists.")


class SqlAlchemyUserRepository(SoftDeletionMixin[User], RepositoryBase[User]):
    table = users
    entity = User

    async def get(self, id: uuid.UUID) -> User | None:
        return await self.get_by_id(id)

    async def get_by_email(self, email: str) -> User | None:
        return await self.get_one_or_none(
            self.get_base_statement().where(func.lower(users.c.email) == email.lower())
        )
