"""The webhook catalogue: which domain jobs become webhook events, and how each is shown.

Each source module registers its event types here with one call: the job's id argument, how
to load the resource from a unit of work, and how the REST API renders it (the same wire
document or pydantic schema its routes answer with, as JSON). The worker turns every registered type into
a fan-out task (entrypoints/worker/tasks/webhooks.py), so a module adding events adds a
`register(...)` line below and nothing in the webhook module.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import orjson
from pydantic import BaseModel

from application.benefits.service import BENEFIT_CREATED, BENEFIT_UPDATED
from application.discounts.service import (
    DISCOUNT_CREATED,
    DISCOUNT_DELETED,
    DISCOUNT_UPDATED,
    DiscountService,
)
from application.files.service import FileUseCases
from application.organizations.service import ORGANIZATION_UPDATED
from application.products.service import PRODUCT_CREATED, PRODUCT_UPDATED
from application.uow import UnitOfWork
from application.webhooks.ports import Rendered
from domain.discount import Discount
from domain.product import Product
from entrypoints.http.benefits.schemas import benefit_wire
from entrypoints.http.discounts.schemas import discount_schema
from entrypoints.http.kit.responses import Wire, dumps
from entrypoints.http.organizations.schemas import OrganizationSchema
from entrypoints.http.products.schemas import product_wire

Loader = Callable[[UnitOfWork, uuid.UUID], Awaitable[Any]]
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

    async def render(
        self, uow: UnitOfWork, event_type: str, resource_id: uuid.UUID
    ) -> Rendered | None:
        source = self.sources[event_type]
        resource = await source.load(uow, resource_id)
        if resource is None:
            return None
        data = _json(source.render(resource))
        return Rendered(organization_id=source.organization_of(resource), data=data)


def build_catalogue(files: FileUseCases, discounts: DiscountService) -> Catalogue:
    catalogue = Catalogue()
    catalogue.register(
        [ORGANIZATION_UPDATED],
        argument="organization_id",
        load=lambda uow, id: uow.organizations.get(id),
        render=OrganizationSchema.wire,
        organization_of=lambda organization: organization.id,
    )

    def render_product(product: Product) -> Wire:
        return product_wire(product, files.public_url)

    catalogue.register(
        [PRODUCT_CREATED, PRODUCT_UPDATED],
        argument="product_id",
        load=lambda uow, id: uow.products.get(id),
        render=render_product,
    )

    async def discount_and_products(
        uow: UnitOfWork, id: uuid.UUID
    ) -> tuple[Discount, dict[uuid.UUID, Product]] | None:
        # A deleted discount is still shown (the `discount.deleted` event carries it).
        discount = await uow.discounts.get_including_deleted(id)
        if discount is None:
            return None
        return discount, await discounts.restricted_products(uow, [discount])

    catalogue.register(
        [DISCOUNT_CREATED, DISCOUNT_UPDATED, DISCOUNT_DELETED],
        argument="discount_id",
        load=discount_and_products,
        render=lambda pair: discount_schema(*pair),
        organization_of=lambda pair: pair[0].organization_id,
    )
    catalogue.register(
        [BENEFIT_CREATED, BENEFIT_UPDATED],
        argument="benefit_id",
        # A deleted benefit is still shown: its deletion is a `benefit.updated` (is_deleted).
        load=lambda uow, id: uow.benefits.get_including_deleted(id),
        render=benefit_wire,
    )
    return catalogue
