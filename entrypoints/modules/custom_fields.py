"""Custom fields: questions an organization asks its customers at checkout. Polar sends no
webhook event for them."""

from __future__ import annotations

from typing import Any

from dependency_injector import providers

from adapters.memory.custom_fields import InMemoryCustomFieldRepository
from adapters.sqlalchemy.repositories.custom_fields import SqlAlchemyCustomFieldRepository
from application.custom_fields.service import CustomFieldService
from domain.scopes import Scope
from entrypoints.http.custom_fields import endpoints
from entrypoints.modules.base import Module, Repository


def _services(c: Any) -> dict[str, providers.Provider[Any]]:
    return {"custom_field_service": providers.Singleton(CustomFieldService, clock=c.clock)}


module = Module(
    name="custom_fields",
    scopes=(Scope.custom_fields_read, Scope.custom_fields_write),
    repositories={
        "custom_fields": Repository(SqlAlchemyCustomFieldRepository, InMemoryCustomFieldRepository)
    },
    services=_services,
    routers=(endpoints.router,),
)
