import csv
import io
import json
from collections.abc import AsyncIterator, Iterable
from typing import Annotated, Any

from fastapi import Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import UUID4, AfterValidator, Field

from application.customers.commands import (
    CustomerCreate,
    CustomerUpdate,
    CustomerUpdateExternalID,
)
from application.customers.ports import CustomerFilters, CustomerUnitOfWork
from application.customers.service import CustomerService
from application.customers.sorting import DEFAULT_SORTING, CustomerSortProperty
from application.kit.inputs import unstorable_text
from domain.customer import Customer
from entrypoints.http.customers import auth
from entrypoints.http.customers.schemas import (
    CustomerPaymentMethodCard,
    CustomerSchema,
    CustomerStateSchema,
    customer_state_wire,
    customer_wire,
    payment_method_wire,
)
from entrypoints.http.dependencies import (
    ORGANIZATION_HEADER,
    FromContainer,
    ReadUnitOfWork,
    WriteUnitOfWork,
    with_header_organization,
)
from entrypoints.http.kit.query import (
    ListQuery,
    OrganizationIds,
    SortedListQuery,
    list_query,
    metadata_filters,
    openapi_parameters,
)
from entrypoints.http.kit.responses import json_response, page_response
from entrypoints.http.kit.routing import ModuleRouter
from entrypoints.http.kit.schemas import ListResource

router = ModuleRouter(prefix="/customers", tags=["customers"])

Service = FromContainer[CustomerService](lambda c: c.customer_service)


def _storable(value: str) -> str:
    # No customer holds text PostgreSQL cannot store (a NUL): refused as in query strings.
    reason = unstorable_text(value)
    if reason is not None:
        raise ValueError(reason)
    return value


ExternalId = Annotated[str, Field(min_length=1, max_length=256), AfterValidator(_storable)]
Anonymize = Annotated[
    bool,
    Query(description="Also anonymize the customer's personal data (GDPR)."),
]


class CustomerListQuery(SortedListQuery):
    sort_properties = CustomerSortProperty
    default_sorting = DEFAULT_SORTING

    organization_id: OrganizationIds = None
    email: Annotated[str | None, Field(max_length=320, description="Filter by exact email.")] = None
    query: Annotated[
        str | None, Field(max_length=256, description="Filter by name, email, or external ID.")
    ] = None
    active: Annotated[
        bool | None,
        Field(
            description="Filter by active customers, i.e. customers with at least one "
            "trialing, active or past_due subscription."
        ),
    ] = None


@router.get(
    "/",
    summary="List customers",
    response_model=ListResource[CustomerSchema],
    openapi_extra=openapi_parameters(CustomerListQuery),
)
async def list_customers(
    request: Request,
    subject: auth.CustomersRead,
    uow: ReadUnitOfWork[CustomerUnitOfWork],
    q: Annotated[CustomerListQuery, list_query(CustomerListQuery)],
) -> Response:
    service = Service(request)
    filters = CustomerFilters(
        organization_ids=q.organization_id or [],
        email=q.email or None,
        query=q.query or None,
        metadata=metadata_filters(request),
    )
    page = await service.list(
        uow, subject, filters=filters, active=q.active, pagination=q.pagination, sorting=q.sort()
    )
    return page_response(page, customer_wire)


@router.post(
    "/",
    status_code=201,
    summary="Create a customer",
    response_model=CustomerSchema,
    openapi_extra=ORGANIZATION_HEADER,
)
async def create_customer(
    request: Request,
    body: CustomerCreate,
    subject: auth.CustomersWrite,
    uow: WriteUnitOfWork[CustomerUnitOfWork],
) -> Response:
    service = Service(request)
    body = with_header_organization(body, request)
    customer = await service.create(uow, subject, body)
    await uow.commit()
    return json_response(customer_wire(customer), status_code=201)


# --- export (before /{id}, which would take "export" for an id) ----------------------------------

EXPORT_COLUMNS = (
    "ID",
    "External ID",
    "Created At",
    "Email",
    "Name",
    "Tax ID",
    "Billing Address Line 1",
    "Billing Address Line 2",
    "Billing Address City",
    "Billing Address State",
    "Billing Address Zip",
    "Billing Address Country",
    "Metadata",
)


def export_row(c: Customer) -> tuple[Any, ...]:
    """A customer as a row of the export, in Polar's columns."""
    address = c.billing_address
    return (
        c.id,
        c.external_id,
        c.created_at.isoformat(),
        c.email,
        c.name,
        c.tax_id,
        address.line1 if address else None,
        address.line2 if address else None,
        address.city if address else None,
        address.state if address else None,
        address.postal_code if address else None,
        address.country if address else None,
        json.dumps(c.metadata) if c.metadata else None,
    )


def _csv_lines(rows: Iterable[tuple[Any, ...]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, dialect="excel").writerows(rows)
    return buffer.getvalue()


@router.get(
    "/export",
    summary="Export customers",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def export_customers(
    request: Request,
    subject: auth.CustomersRead,
    uow: ReadUnitOfWork[CustomerUnitOfWork],
    organization_id: Annotated[
        list[UUID4] | None, Query(description="Filter by organization ID.", max_length=100)
    ] = None,
) -> StreamingResponse:
    """Every customer as a CSV file, streamed: rows are read and sent a batch at a time."""
    service = Service(request)
    customers = service.export(uow, subject, organization_ids=organization_id or [])

    async def lines() -> AsyncIterator[str]:
        yield _csv_lines([EXPORT_COLUMNS])
        batch: list[tuple[Any, ...]] = []
        async for customer in customers:
            batch.append(export_row(customer))
            if len(batch) >= 100:
                yield _csv_lines(batch)
                batch = []
        if batch:
            yield _csv_lines(batch)

    return StreamingResponse(
        lines(),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="customers.csv"'},
    )


# --- by id ----------------------------------------------------------------------------------------


@router.get("/{id}", summary="Get a customer", response_model=CustomerSchema)
async def get_customer(
    request: Request,
    id: UUID4,
    subject: auth.CustomersRead,
    uow: ReadUnitOfWork[CustomerUnitOfWork],
) -> Response:
    service = Service(request)
    return json_response(customer_wire(await service.get(uow, subject, id)))


@router.patch("/{id}", summary="Update a customer", response_model=CustomerSchema)
async def update_customer(
    request: Request,
    id: UUID4,
    body: CustomerUpdate,
    subject: auth.CustomersWrite,
    uow: WriteUnitOfWork[CustomerUnitOfWork],
) -> Response:
    service = Service(request)
    customer = await service.get(uow, subject, id, lock=True)
    customer = await service.update(uow, subject, customer, body)
    await uow.commit()
    return json_response(customer_wire(customer))


@router.delete("/{id}", status_code=204, summary="Delete a customer")
async def delete_customer(
    request: Request,
    id: UUID4,
    subject: auth.CustomersWrite,
    uow: WriteUnitOfWork[CustomerUnitOfWork],
    anonymize: Anonymize = False,
) -> None:
    service = Service(request)
    customer = await service.get(uow, subject, id, lock=True)
    await service.delete(uow, subject, customer, anonymize=anonymize)
    await uow.commit()


@router.get("/{id}/state", summary="Get a customer state", response_model=CustomerStateSchema)
async def get_customer_state(
    request: Request,
    id: UUID4,
    subject: auth.CustomersRead,
    uow: ReadUnitOfWork[CustomerUnitOfWork],
) -> Response:
    service = Service(request)
    customer = await service.get(uow, subject, id)
    return json_response(customer_state_wire(await service.state(uow, customer)))


@router.get(
    "/{id}/payment-methods",
    summary="List a customer's payment methods",
    response_model=ListResource[CustomerPaymentMethodCard],
    openapi_extra=openapi_parameters(ListQuery),
)
async def list_payment_methods(
    request: Request,
    id: UUID4,
    subject: auth.CustomersRead,
    uow: ReadUnitOfWork[CustomerUnitOfWork],
    q: Annotated[ListQuery, list_query(ListQuery)],
) -> Response:
    service = Service(request)
    customer = await service.get(uow, subject, id)
    return await _payment_methods(uow, service, customer, q)


# --- by external id -------------------------------------------------------------------------------


@router.get(
    "/external/{external_id}",
    summary="Get a customer by external ID",
    response_model=CustomerSchema,
)
async def get_customer_external(
    request: Request,
    external_id: ExternalId,
    subject: auth.CustomersRead,
    uow: ReadUnitOfWork[CustomerUnitOfWork],
) -> Response:
    service = Service(request)
    return json_response(customer_wire(await service.get_external(uow, subject, external_id)))


@router.patch(
    "/external/{external_id}",
    summary="Update a customer by external ID",
    response_model=CustomerSchema,
)
async def update_customer_external(
    request: Request,
    external_id: ExternalId,
    body: CustomerUpdateExternalID,
    subject: auth.CustomersWrite,
    uow: WriteUnitOfWork[CustomerUnitOfWork],
) -> Response:
    service = Service(request)
    customer = await service.get_external(uow, subject, external_id, lock=True)
    customer = await service.update(uow, subject, customer, body)
    await uow.commit()
    return json_response(customer_wire(customer))


@router.delete(
    "/external/{external_id}", status_code=204, summary="Delete a customer by external ID"
)
async def delete_customer_external(
    request: Request,
    external_id: ExternalId,
    subject: auth.CustomersWrite,
    uow: WriteUnitOfWork[CustomerUnitOfWork],
    anonymize: Anonymize = False,
) -> None:
    service = Service(request)
    customer = await service.get_external(uow, subject, external_id, lock=True)
    await service.delete(uow, subject, customer, anonymize=anonymize)
    await uow.commit()


@router.get(
    "/external/{external_id}/state",
    summary="Get a customer state by external ID",
    response_model=CustomerStateSchema,
)
async def get_customer_state_external(
    request: Request,
    external_id: ExternalId,
    subject: auth.CustomersRead,
    uow: ReadUnitOfWork[CustomerUnitOfWork],
) -> Response:
    service = Service(request)
    customer = await service.get_external(uow, subject, external_id)
    return json_response(customer_state_wire(await service.state(uow, customer)))


@router.get(
    "/external/{external_id}/payment-methods",
    summary="List a customer's payment methods by external ID",
    response_model=ListResource[CustomerPaymentMethodCard],
    openapi_extra=openapi_parameters(ListQuery),
)
async def list_payment_methods_external(
    request: Request,
    external_id: ExternalId,
    subject: auth.CustomersRead,
    uow: ReadUnitOfWork[CustomerUnitOfWork],
    q: Annotated[ListQuery, list_query(ListQuery)],
) -> Response:
    service = Service(request)
    customer = await service.get_external(uow, subject, external_id)
    return await _payment_methods(uow, service, customer, q)


async def _payment_methods(
    uow: CustomerUnitOfWork, service: CustomerService, customer: Customer, q: ListQuery
) -> Response:
    page = await service.payment_methods(uow, customer, q.pagination)
    return page_response(page, payment_method_wire)
