"""Checkout sessions: the merchant's routes (by id, with a token) and the customer's (by client
secret, with none: the secret is the capability)."""

from __future__ import annotations

from typing import Annotated, Protocol

from fastapi import Path, Request, Response
from pydantic import UUID4, Field

from application.checkouts.commands import (
    CheckoutConfirm,
    CheckoutCreate,
    CheckoutUpdate,
    CheckoutUpdatePublic,
)
from application.checkouts.ports import CheckoutFilters, CheckoutUnitOfWork
from application.checkouts.service import CheckoutService, CheckoutView
from application.checkouts.sorting import DEFAULT_SORTING, CheckoutSortProperty
from application.customer_sessions.ports import CustomerSessionUnitOfWork
from application.customer_sessions.service import CustomerSessionService
from application.files.service import FileUseCases
from application.kit.pagination import Page
from domain.checkout import CheckoutStatus
from entrypoints.http.checkouts import auth
from entrypoints.http.checkouts.schemas import (
    CheckoutPublicConfirmedSchema,
    CheckoutPublicSchema,
    CheckoutSchema,
    checkout_confirmed_wire,
    checkout_public_wire,
    checkout_wire,
)
from entrypoints.http.dependencies import FromContainer, ReadUnitOfWork, WriteUnitOfWork
from entrypoints.http.kit.query import (
    OrganizationIds,
    SortedListQuery,
    list_query,
    openapi_parameters,
)
from entrypoints.http.kit.responses import Wire, json_response, page_response
from entrypoints.http.kit.routing import ModuleRouter
from entrypoints.http.kit.schemas import ListResource
from entrypoints.settings import Settings

router = ModuleRouter(prefix="/checkouts", tags=["checkouts"])

Service = FromContainer[CheckoutService](lambda c: c.checkout_service)
Files = FromContainer[FileUseCases](lambda c: c.file_service)
Config = FromContainer[Settings](lambda c: c.settings)
ClientSecret = Annotated[str, Path(min_length=1, max_length=256)]
Sessions = FromContainer[CustomerSessionService](lambda c: c.customer_session_service)


class ConfirmUnitOfWork(CheckoutUnitOfWork, CustomerSessionUnitOfWork, Protocol):
    """Confirming opens a customer session for the buyer too."""


class CheckoutListQuery(SortedListQuery):
    sort_properties = CheckoutSortProperty
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
    status: Annotated[
        list[CheckoutStatus] | None,
        Field(description="Filter by checkout session status.", max_length=5),
    ] = None
    query: Annotated[str | None, Field(max_length=256, description="Filter by customer email.")] = (
        None
    )


def _merchant(view: CheckoutView, settings: Settings, files: FileUseCases) -> Wire:
    return checkout_wire(view, settings.api_base_url, files.public_url)


def _customer(view: CheckoutView, settings: Settings, files: FileUseCases) -> Wire:
    return checkout_public_wire(view, settings.api_base_url, files.public_url)


@router.get(
    "/",
    summary="List checkout sessions",
    response_model=ListResource[CheckoutSchema],
    openapi_extra=openapi_parameters(CheckoutListQuery),
)
async def list_checkouts(
    request: Request,
    subject: auth.CheckoutsRead,
    uow: ReadUnitOfWork[CheckoutUnitOfWork],
    q: Annotated[CheckoutListQuery, list_query(CheckoutListQuery)],
) -> Response:
    service = Service(request)
    files = Files(request)
    settings = Config(request)
    filters = CheckoutFilters(
        organization_ids=q.organization_id or [],
        product_ids=q.product_id or [],
        customer_ids=q.customer_id or [],
        external_customer_ids=q.external_customer_id or [],
        statuses=q.status or [],
        query=q.query or None,
    )
    page = await service.list(
        uow, subject, filters=filters, pagination=q.pagination, sorting=q.sort()
    )
    views = Page(await service.views(uow, page.items), page.total_count, page.limit)
    return page_response(views, lambda view: _merchant(view, settings, files))


@router.post(
    "/", status_code=201, summary="Create a checkout session", response_model=CheckoutSchema
)
async def create_checkout(
    request: Request,
    body: CheckoutCreate,
    subject: auth.CheckoutsWrite,
    uow: WriteUnitOfWork[CheckoutUnitOfWork],
) -> Response:
    service = Service(request)
    files = Files(request)
    settings = Config(request)
    checkout = await service.create(uow, subject, body)
    view = await service.view(uow, checkout)
    await uow.commit()
    return json_response(_merchant(view, settings, files), status_code=201)


# --- by client secret (before /{id}) --------------------------------------------------------------


@router.get(
    "/client/{client_secret}",
    summary="Get a checkout session from a client",
    response_model=CheckoutPublicSchema,
)
async def client_get_checkout(
    request: Request,
    client_secret: ClientSecret,
    _: auth.Customer,
    uow: ReadUnitOfWork[CheckoutUnitOfWork],
) -> Response:
    service = Service(request)
    files = Files(request)
    settings = Config(request)
    checkout = await service.get_by_client_secret(uow, client_secret)
    view = await service.view(uow, checkout, organization=True)
    return json_response(_customer(view, settings, files))


@router.patch(
    "/client/{client_secret}",
    summary="Update a checkout session from a client",
    response_model=CheckoutPublicSchema,
)
async def client_update_checkout(
    request: Request,
    client_secret: ClientSecret,
    body: CheckoutUpdatePublic,
    _: auth.Customer,
    uow: WriteUnitOfWork[CheckoutUnitOfWork],
) -> Response:
    service = Service(request)
    files = Files(request)
    settings = Config(request)
    checkout = await service.get_by_client_secret(uow, client_secret, lock=True)
    checkout = await service.update(uow, None, checkout, body)
    view = await service.view(uow, checkout, organization=True)
    await uow.commit()
    return json_response(_customer(view, settings, files))


@router.post(
    "/client/{client_secret}/confirm",
    summary="Confirm a checkout session from a client",
    response_model=CheckoutPublicConfirmedSchema,
)
async def client_confirm_checkout(
    request: Request,
    client_secret: ClientSecret,
    body: CheckoutConfirm,
    _: auth.Confirming,
    uow: WriteUnitOfWork[ConfirmUnitOfWork],
) -> Response:
    """Submit the checkout: its payment starts (its outcome arrives shortly after: read the
    checkout again until it is `succeeded`, or `open` again after a declined card)."""
    service = Service(request)
    sessions = Sessions(request)
    files = Files(request)
    settings = Config(request)
    checkout = await service.get_by_client_secret(uow, client_secret, lock=True)
    confirmed = await service.confirm(uow, checkout, body)
    view = await service.view(uow, confirmed.checkout, organization=True)
    token = None
    if confirmed.session_customer is not None:
        token = (await sessions.issue(uow, confirmed.session_customer))[1]
    await uow.commit()
    return json_response(
        checkout_confirmed_wire(view, settings.api_base_url, files.public_url, token)
    )


# --- by id ----------------------------------------------------------------------------------------


@router.get("/{id}", summary="Get a checkout session", response_model=CheckoutSchema)
async def get_checkout(
    request: Request,
    id: UUID4,
    subject: auth.CheckoutsRead,
    uow: ReadUnitOfWork[CheckoutUnitOfWork],
) -> Response:
    service = Service(request)
    files = Files(request)
    settings = Config(request)
    checkout = await service.get(uow, subject, id)
    return json_response(_merchant(await service.view(uow, checkout), settings, files))


@router.patch("/{id}", summary="Update a checkout session", response_model=CheckoutSchema)
async def update_checkout(
    request: Request,
    id: UUID4,
    body: CheckoutUpdate,
    subject: auth.CheckoutsWrite,
    uow: WriteUnitOfWork[CheckoutUnitOfWork],
) -> Response:
    service = Service(request)
    files = Files(request)
    settings = Config(request)
    checkout = await service.get(uow, subject, id, lock=True)
    checkout = await service.update(uow, subject, checkout, body)
    view = await service.view(uow, checkout)
    await uow.commit()
    return json_response(_merchant(view, settings, files))
