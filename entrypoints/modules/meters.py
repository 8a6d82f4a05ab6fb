"""Meters: which usage events count, and how they add up."""

from __future__ import annotations

from typing import Any

from dependency_injector import providers

from adapters.memory.meters import InMemoryMeterRepository
from adapters.sqlalchemy.repositories.meters import SqlAlchemyMeterRepository
from application.meters.service import MeterService
from domain.scopes import Scope
from entrypoints.http.meters import endpoints
from entrypoints.modules.base import Module, Repository


def _services(c: Any) -> dict[str, providers.Provider[Any]]:
    return {"meter_service": providers.Singleton(MeterService, clock=c.clock)}


module = Module(
    name="meters",
    scopes=(Scope.meters_read, Scope.meters_write),
    repositories={"meters": Repository(SqlAlchemyMeterRepository, InMemoryMeterRepository)},
    services=_services,
    routers=(endpoints.router,),
)
