"""Subscriptions: read, and start one to a free product (`POST /v1/subscriptions/`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request, Response
from pydantic import UUID4, Field

from application.files.service import FileUseCases
from application.kit.pagination import Page
from application.subscriptions.commands import SubscriptionCreate
from application.subscriptions.ports import SubscriptionFilters, SubscriptionUnitOfWork
from application.subscriptions.service import SubscriptionService
from application.subscriptions.sorting import DEFAULT_SORTING, SubscriptionSortProperty
from domain.subscription import SubscriptionStatus
from entrypoints.http.dependencies import FromContainer, ReadUnitOfWork, WriteUnitOfWork
from entrypoints.http.kit.query import (
    OrganizationIds,
    SortedListQuery,
    list_query,
    metadata_filters,
    openapi_parameters,
)
from entrypoints.http.kit.responses import json_response, page_response
from entrypoints.http.kit.routing import ModuleRouter
from entrypoints.http.kit.schemas import ListResource
from entrypoints.http.subscriptions import auth
from entrypoints.http.subscriptions.schemas import SubscriptionSchema, subscription_wire

router = ModuleRouter(prefix="/subscriptions", tags=["subscriptions"])

Service = FromContainer[SubscriptionService](lambda c: c.subscription_service)
Files = FromContainer[FileUseCases](lambda c: c.file_service)


class SubscriptionListQuery(SortedListQuery):
    sort_properties = SubscriptionSortProperty
    default_sorting = DEFAULT_SORTING

    organization_id: OrganizationIds = None
    product_id: Annotated[
        list[UUID4] | None, Field(description="Filter by product ID.", max_length=100)
    ] = None
    customer_id: Annotated[
        list[UUID4] | None, Field(description="Filter by customer ID.", max_length=100)
    ] = None
    external_customer_id: Annotated[
        list[Annotated[str, Field(max_length=256)]] | None,
        Field(description="Filter by customer external ID.", max_length=100),
    ] = None
    discount_id: Annotated[
        list[UUID4] | None, Field(description="Filter by discount ID.", max_length=100)
    ] = None
    active: Annotated[
        bool | None, Field(description="Filter by active or inactive subscription.")
    ] = None
    status: Annotated[
        list[SubscriptionStatus] | None,
        Field(description="Filter by subscription status.", max_length=8),
    ] = None
    cancel_at_period_end: Annotated[
        bool | None,
        Field(description="Filter by subscriptions that are set to cancel at period end."),
    ] = None


@router.get(
    "/",
    summary="List subscriptions",
    response_model=ListResource[SubscriptionSchema],
    openapi_extra=openapi_parameters(SubscriptionListQuery),
)
async def list_subscriptions(
    request: Request,
    subject: auth.SubscriptionsRead,
    uow: ReadUnitOfWork[SubscriptionUnitOfWork],
    q: Annotated[SubscriptionListQuery, list_query(SubscriptionListQuery)],
) -> Response:
    service = Service(request)
    files = Files(request)
    filters = SubscriptionFilters(
        organization_ids=q.organization_id or [],
        product_ids=q.product_id or [],
        customer_ids=q.customer_id or [],
        external_customer_ids=q.external_customer_id or [],
        discount_ids=q.discount_id or [],
        statuses=q.status or [],
        active=q.active,
        cancel_at_period_end=q.cancel_at_period_end,
        metadata=metadata_filters(request),
    )
    page = await service.list(
        uow, subject, filters=filters, pagination=q.pagination, sorting=q.sort()
    )
    views = Page(await service.views(uow, page.items), page.total_count, page.limit)
    return page_response(views, lambda view: subscription_wire(view, files.public_url))


@router.post(
    "/",
    status_code=201,
    summary="Create a subscription to a free product",
    response_model=SubscriptionSchema,
)
async def create_subscription(
    request: Request,
    body: SubscriptionCreate,
    subject: auth.SubscriptionsWrite,
    uow: WriteUnitOfWork[SubscriptionUnitOfWork],
) -> Response:
    service = Service(request)
    files = Files(request)
    subscription = await service.create(uow, subject, body)
    view = await service.view(uow, subscription)
    await uow.commit()
    return json_response(subscription_wire(view, files.public_url), status_code=201)


@router.get("/{id}", summary="Get a subscription", response_model=SubscriptionSchema)
async def get_subscription(
    request: Request,
    id: UUID4,
    subject: auth.SubscriptionsRead,
    uow: ReadUnitOfWork[SubscriptionUnitOfWork],
) -> Response:
    service = Service(request)
    files = Files(request)
    subscription = await service.get(uow, subject, id)
    view = await service.view(uow, subscription)
    return json_response(subscription_wire(view, files.public_url))
