"""The webhook catalogue: which domain jobs become webhook events, and how each is shown.

Each source module registers its event types here with one call: the job's id argument, how
to load the resource from a unit of work, and how the REST API renders it (the same pydantic
schema its routes answer with, dumped as JSON). The worker turns every registered type into
a fan-out task (entrypoints/worker/tasks/webhooks.py), so a module adding events adds a
`register(...)` line below and nothing in the webhook module.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from application.discounts.service import DISCOUNT_CREATED, DISCOUNT_DELETED, DISCOUNT_UPDATED
from application.organizations.service import ORGANIZATION_UPDATED
from application.products.service import PRODUCT_CREATED, PRODUCT_UPDATED
from application.uow import UnitOfWork
from application.webhooks.ports import Rendered
from entrypoints.http.discounts.schemas import discount_schema
from entrypoints.http.organizations.schemas import OrganizationSchema
from entrypoints.http.products.schemas import product_schema

Loader = Callable[[UnitOfWork, uuid.UUID], Awaitable[Any]]
Renderer = Callable[[Any], BaseModel]


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

    async def render(
        self, uow: UnitOfWork, event_type: str, resource_id: uuid.UUID
    ) -> Rendered | None:
        source = self.sources[event_type]
        resource = await source.load(uow, resource_id)
        if resource is None:
            return None
        data = source.render(resource).model_dump(mode="json")
        return Rendered(organization_id=source.organization_of(resource), data=data)


def build_catalogue() -> Catalogue:
    catalogue = Catalogue()
    catalogue.register(
        [ORGANIZATION_UPDATED],
        argument="organization_id",
        load=lambda uow, id: uow.organizations.get(id),
        render=OrganizationSchema.from_entity,
        organization_of=lambda organization: organization.id,
    )
    catalogue.register(
        [PRODUCT_CREATED, PRODUCT_UPDATED],
        argument="product_id",
        load=lambda uow, id: uow.products.get(id),
        render=product_schema,
    )
    catalogue.register(
        [DISCOUNT_CREATED, DISCOUNT_UPDATED, DISCOUNT_DELETED],
        argument="discount_id",
        # A deleted discount is still shown (the `discount.deleted` event carries it).
        load=lambda uow, id: uow.discounts.get_including_deleted(id),
        render=discount_schema,
    )
    return catalogue
