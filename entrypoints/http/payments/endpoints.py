from typing import Annotated

from fastapi import Request, Response
from pydantic import UUID4, Field

from application.payments.ports import PaymentFilters, PaymentUnitOfWork
from application.payments.service import PaymentService
from application.payments.sorting import DEFAULT_SORTING, PaymentSortProperty
from domain.payment import PaymentStatus
from entrypoints.http.dependencies import FromContainer, ReadUnitOfWork
from entrypoints.http.kit.query import (
    OrganizationIds,
    SortedListQuery,
    list_query,
    openapi_parameters,
)
from entrypoints.http.kit.responses import json_response, page_response
from entrypoints.http.kit.routing import ModuleRouter
from entrypoints.http.kit.schemas import ListResource
from entrypoints.http.payments import auth
from entrypoints.http.payments.schemas import PaymentSchema, payment_wire

router = ModuleRouter(prefix="/payments", tags=["payments"])

Service = FromContainer[PaymentService](lambda c: c.payment_service)


class PaymentListQuery(SortedListQuery):
    sort_properties = PaymentSortProperty
    default_sorting = DEFAULT_SORTING

    organization_id: OrganizationIds = None
    checkout_id: Annotated[
        list[UUID4] | None, Field(description="Filter by checkout ID.", max_length=100)
    ] = None
    order_id: Annotated[
        list[UUID4] | None, Field(description="Filter by order ID.", max_length=100)
    ] = None
    customer_id: Annotated[
        list[UUID4] | None, Field(description="Filter by customer ID.", max_length=100)
    ] = None
    status: Annotated[
        list[PaymentStatus] | None, Field(description="Filter by payment status.", max_length=3)
    ] = None
    method: Annotated[
        list[Annotated[str, Field(max_length=32)]] | None,
        Field(description="Filter by payment method.", max_length=100),
    ] = None
    customer_email: Annotated[
        list[Annotated[str, Field(max_length=320)]] | None,
        Field(description="Filter by customer email.", max_length=100),
    ] = None


@router.get(
    "/",
    summary="List payments",
    response_model=ListResource[PaymentSchema],
    openapi_extra=openapi_parameters(PaymentListQuery),
)
async def list_payments(
    request: Request,
    subject: auth.PaymentsRead,
    uow: ReadUnitOfWork[PaymentUnitOfWork],
    q: Annotated[PaymentListQuery, list_query(PaymentListQuery)],
) -> Response:
    service = Service(request)
    filters = PaymentFilters(
        organization_ids=q.organization_id or [],
        checkout_ids=q.checkout_id or [],
        order_ids=q.order_id or [],
        customer_ids=q.customer_id or [],
        statuses=q.status or [],
        methods=q.method or [],
        customer_emails=q.customer_email or [],
    )
    page = await service.list(
        uow, subject, filters=filters, pagination=q.pagination, sorting=q.sort()
    )
    return page_response(page, payment_wire)


@router.get("/{id}", summary="Get a payment", response_model=PaymentSchema)
async def get_payment(
    request: Request,
    id: UUID4,
    subject: auth.PaymentsRead,
    uow: ReadUnitOfWork[PaymentUnitOfWork],
) -> Response:
    service = Service(request)
    return json_response(payment_wire(await service.get(uow, subject, id)))
