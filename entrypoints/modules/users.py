"""Users: the people behind personal access tokens and memberships."""

from __future__ import annotations

from typing import Any

from dependency_injector import providers

from adapters.memory.repositories import InMemoryUserRepository
from adapters.sqlalchemy.repositories.users import SqlAlchemyUserRepository
from application.users.service import UserService
from entrypoints.modules.base import Module, Repository


def _services(c: Any) -> dict[str, providers.Provider[Any]]:
    return {"user_service": providers.Singleton(UserService, clock=c.clock)}


module = Module(
    name="users",
    repositories={"users": Repository(SqlAlchemyUserRepository, InMemoryUserRepository)},
    services=_services,
)
