"""Refunds: money given back on orders, through the processor that took it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request, Response
from pydantic import UUID4, Field

from application.refunds.commands import RefundCreate
from application.refunds.ports import RefundFilters, RefundUnitOfWork
from application.refunds.service import RefundService
from application.refunds.sorting import DEFAULT_SORTING, RefundSortProperty
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
from entrypoints.http.refunds import auth
from entrypoints.http.refunds.schemas import RefundSchema, refund_wire

router = ModuleRouter(prefix="/refunds", tags=["refunds"])

Service = FromContainer[RefundService](lambda c: c.refund_service)
Ids = Annotated[list[UUID4] | None, Field(max_length=100)]


class RefundListQuery(SortedListQuery):
    sort_properties = RefundSortProperty
    default_sorting = DEFAULT_SORTING

    id: Annotated[Ids, Field(description="Filter by refund ID.")] = None
    organization_id: OrganizationIds = None
    order_id: Annotated[Ids, Field(description="Filter by order ID.")] = None
    subscription_id: Annotated[Ids, Field(description="Filter by subscription ID.")] = None
    customer_id: Annotated[Ids, Field(description="Filter by customer ID.")] = None
    external_customer_id: Annotated[
        list[Annotated[str, Field(max_length=256)]] | None,
        Field(description="Filter by customer external ID.", max_length=100),
    ] = None
    succeeded: Annotated[bool | None, Field(description="Filter by `succeeded`.")] = None


@router.get(
    "/",
    summary="List refunds",
    response_model=ListResource[RefundSchema],
    openapi_extra=openapi_parameters(RefundListQuery),
)
async def list_refunds(
    request: Request,
    subject: auth.RefundsRead,
    uow: ReadUnitOfWork[RefundUnitOfWork],
    q: Annotated[RefundListQuery, list_query(RefundListQuery)],
) -> Response:
    service = Service(request)
    filters = RefundFilters(
        ids=q.id or [],
        organization_ids=q.organization_id or [],
        order_ids=q.order_id or [],
        subscription_ids=q.subscription_id or [],
        customer_ids=q.customer_id or [],
        external_customer_ids=q.external_customer_id or [],
        succeeded=q.succeeded,
    )
    page = await service.list(
        uow, subject, filters=filters, pagination=q.pagination, sorting=q.sort()
    )
    return page_response(page, refund_wire)


@router.post("/", status_code=201, summary="Create a refund", response_model=RefundSchema)
async def create_refund(
    request: Request,
    body: RefundCreate,
    subject: auth.RefundsWrite,
    uow: WriteUnitOfWork[RefundUnitOfWork],
) -> Response:
    service = Service(request)
    refund = await service.create(uow, subject, body)
    await uow.commit()
    return json_response(refund_wire(refund), status_code=201)
