"""What a module declares about itself, once, for every process that runs it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter
from taskiq import AsyncBroker

from domain.scopes import Scope

if TYPE_CHECKING:
    from dependency_injector import providers

    from entrypoints.container import Container
    from entrypoints.periodic import PeriodicJob
    from entrypoints.webhook_events import Catalogue


@dataclass(frozen=True)
class Repository:
    """One repository port's adapters. The SQLAlchemy class is built as
    `cls(connection, clock, direct_reads=..., direct_writes=...)`, the memory class as
    `cls(view, clock)`."""

    sqlalchemy: type[Any]
    memory: type[Any]


@dataclass(frozen=True)
class Module:
    """A vertical slice, as the processes see it.

    - `repositories`: the unit-of-work attribute each repository answers to (`uow.products`);
      units of work build one on first use.
    - `services`: container providers, given the container class (`c.clock`, `c.object_storage`,
      other modules' services listed before this one).
    - `routers`: mounted under `/v1` by the API (`public_routers` at the root).
    - `tasks`: declares the module's jobs on the broker (`register(broker, container)`).
    - `events`: registers the module's webhook event sources in the catalogue.
    - `periodic`: jobs run every few seconds where the scheduler runs (the API process when jobs
      run in-process).
    - `scopes`: the token scopes its routes ask for.
    """

    name: str
    scopes: tuple[Scope, ...] = ()
    repositories: Mapping[str, Repository] = field(default_factory=dict)
    services: Callable[[type[Container]], Mapping[str, providers.Provider[Any]]] | None = None
    routers: tuple[APIRouter, ...] = ()
    public_routers: tuple[APIRouter, ...] = ()
    tasks: Callable[[AsyncBroker, Container], None] | None = None
    events: Callable[[Catalogue, Container], None] | None = None
    periodic: Callable[[Container], Iterable[PeriodicJob]] | None = None
