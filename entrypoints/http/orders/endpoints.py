"""Orders: what customers bought, read by the merchant, who may also readdress an invoice."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Request, Response
from pydantic import UUID4, Field

from application.kit.pagination import Page
from application.orders.commands import OrderUpdate
from application.orders.ports import OrderFilters, OrderUnitOfWork
from application.orders.service import OrderService
from application.orders.sorting import DEFAULT_SORTING, OrderSortProperty
from domain.order import OrderStatus
from entrypoints.http.dependencies import FromContainer, ReadUnitOfWork, WriteUnitOfWork
from entrypoints.http.kit.query import (
    OrganizationIds,
    SortedListQuery,
    list_query,
    openapi_parameters,
)
from entrypoints.http.kit.responses import json_response, page_response
from entrypoints.http.kit.routing import ModuleRouter
from entrypoints.http.kit.schemas import ListResource
from entrypoints.http.orders import auth
from entrypoints.http.orders.schemas import OrderSchema, order_wire

router = ModuleRouter(prefix="/orders", tags=["orders"])

Service = FromContainer[OrderService](lambda c: c.order_service)
Ids = Annotated[list[UUID4] | None, Field(max_length=100)]


class OrderListQuery(SortedListQuery):
    sort_properties = OrderSortProperty
    default_sorting = DEFAULT_SORTING

    organization_id: OrganizationIds = None
    product_id: Annotated[Ids, Field(description="Filter by product ID.")] = None
    product_billing_type: Annotated[
        list[Literal["one_time", "recurring"]] | None,
        Field(
            description="Filter by product billing type: `recurring` for subscriptions' "
            "orders, `one_time` for one-time purchases.",
            max_length=2,
        ),
    ] = None
    discount_id: Annotated[Ids, Field(description="Filter by discount ID.")] = None
    customer_id: Annotated[Ids, Field(description="Filter by customer ID.")] = None
    external_customer_id: Annotated[
        list[Annotated[str, Field(max_length=256)]] | None,
        Field(description="Filter by customer external ID.", max_length=100),
    ] = None
    checkout_id: Annotated[Ids, Field(description="Filter by checkout ID.")] = None
    subscription_id: Annotated[Ids, Field(description="Filter by subscription ID.")] = None
    status: Annotated[
        list[OrderStatus] | None, Field(description="Filter by order status.", max_length=6)
    ] = None


@router.get(
    "/",
    summary="List orders",
    response_model=ListResource[OrderSchema],
    openapi_extra=openapi_parameters(OrderListQuery),
)
async def list_orders(
    request: Request,
    subject: auth.OrdersRead,
    uow: ReadUnitOfWork[OrderUnitOfWork],
    q: Annotated[OrderListQuery, list_query(OrderListQuery)],
) -> Response:
    service = Service(request)
    filters = OrderFilters(
        organization_ids=q.organization_id or [],
        product_ids=q.product_id or [],
        product_billing_types=q.product_billing_type or [],
        discount_ids=q.discount_id or [],
        customer_ids=q.customer_id or [],
        external_customer_ids=q.external_customer_id or [],
        checkout_ids=q.checkout_id or [],
        subscription_ids=q.subscription_id or [],
        statuses=q.status or [],
    )
    page = await service.list(
        uow, subject, filters=filters, pagination=q.pagination, sorting=q.sort()
    )
    views = Page(await service.views(uow, page.items), page.total_count, page.limit)
    return page_response(views, order_wire)


@router.get("/{id}", summary="Get an order", response_model=OrderSchema)
async def get_order(
    request: Request,
    id: UUID4,
    subject: auth.OrdersRead,
    uow: ReadUnitOfWork[OrderUnitOfWork],
) -> Response:
    service = Service(request)
    order = await service.get(uow, subject, id)
    return json_response(order_wire(await service.view(uow, order)))


@router.patch("/{id}", summary="Update an order", response_model=OrderSchema)
async def update_order(
    request: Request,
    id: UUID4,
    body: OrderUpdate,
    subject: auth.OrdersWrite,
    uow: WriteUnitOfWork[OrderUnitOfWork],
) -> Response:
    service = Service(request)
    order = await service.get(uow, subject, id, lock=True)
    order = await service.update(uow, order, body)
    view = await service.view(uow, order)
    await uow.commit()
    return json_response(order_wire(view))
