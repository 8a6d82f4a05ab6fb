"""The webhook catalogue: which domain jobs become webhook events, and how each is shown.

Each module registers its event types from its declaration (`Module.events`, in
entrypoints/modules/): the job's id argument, how to load the resource from a unit of work, and
how the REST API renders it (the same wire document or pydantic schema its routes answer with,
as JSON). The worker turns every registered type into a fan-out task
(entrypoints/worker/tasks/webhooks.py), so a module adding events changes nothing in the
webhook module.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson
from pydantic import BaseModel

from application.webhooks.ports import Rendered
from entrypoints.http.kit.responses import Wire, dumps

if TYPE_CHECKING:
    from entrypoints.container import Container
    from entrypoints.modules.base import Module

Loader = Callable[[Any, uuid.UUID], Awaitable[Any]]
# A pydantic schema, or a wire document (entrypoints/http/kit/responses.py).
Renderer = Callable[[Any], BaseModel | Wire]


def _json(rendered: BaseModel | Wire) -> dict[str, Any]:
    """What the REST API would send, as plain JSON values."""
    if isinstance(rendered, BaseModel):
        return rendered.model_dump(mode="json")
    data: dict[str, Any] = orjson.loads(dumps(rendered))
    return data


def _organization_id(resource: Any) -> uuid.UUID:
    organization_id: uuid.UUID = resource.organization_id
    return organization_id


@dataclass(frozen=True)
class EventSource:
    event_type: str
    # The keyword argument of the job that carries the resource's id, e.g. "product_id".
    argument: str
    load: Loader
    render: Renderer
    organization_of: Callable[[Any], uuid.UUID] = _organization_id

    @property
    def resource(self) -> str:
        return self.argument.removesuffix("_id")


class Catalogue:
    """Implements the application's WebhookCatalogue port."""

    def __init__(self) -> None:
        self.sources: dict[str, EventSource] = {}

    def register(
        self,
        event_types: Iterable[str],
        *,
        argument: str,
        load: Loader,
        render: Renderer,
        organization_of: Callable[[Any], uuid.UUID] = _organization_id,
    ) -> None:
        for event_type in event_types:
            if event_type in self.sources:
                raise ValueError(f"webhook event type {event_type!r} is registered twice")
            self.sources[event_type] = EventSource(
                event_type, argument, load, render, organization_of
            )

    @property
    def event_types(self) -> frozenset[str]:
        return frozenset(self.sources)

    async def render(self, uow: Any, event_type: str, resource_id: uuid.UUID) -> Rendered | None:
        source = self.sources[event_type]
        resource = await source.load(uow, resource_id)
        if resource is None:
            return None
        data = _json(source.render(resource))
        return Rendered(organization_id=source.organization_of(resource), data=data)


def build_catalogue(modules: Iterable[Module], container: Container) -> Catalogue:
    """The catalogue of every module's event sources (see `Module.events`)."""
    catalogue = Catalogue()
    for module in modules:
        if module.events is not None:
            module.events(catalogue, container)
    return catalogue
