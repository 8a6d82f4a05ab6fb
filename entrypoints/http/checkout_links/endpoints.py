"""Checkout links: the merchant's routes (by id, with a token) and the public redirect (by
client secret, with none), which opens a checkout and answers 303 to its page."""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import UUID4, Field

from application.checkout_links.commands import CheckoutLinkCreate, CheckoutLinkUpdate
from application.checkout_links.ports import CheckoutLinkFilters, CheckoutLinkUnitOfWork
from application.checkout_links.service import (
    CheckoutLinkService,
    CheckoutLinkView,
    RedirectQuery,
)
from application.checkout_links.sorting import DEFAULT_SORTING, CheckoutLinkSortProperty
from application.files.service import FileUseCases
from application.kit.pagination import Page
from domain.checkout_link import QUERY_METADATA_KEYS
from entrypoints.http.checkout_links import auth
from entrypoints.http.checkout_links.schemas import CheckoutLinkSchema, checkout_link_wire
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
from entrypoints.http.rate_limits import client_address
from entrypoints.settings import Settings

router = ModuleRouter(prefix="/checkout-links", tags=["checkout-links"])

Service = FromContainer[CheckoutLinkService](lambda c: c.checkout_link_service)
Files = FromContainer[FileUseCases](lambda c: c.file_service)
Config = FromContainer[Settings](lambda c: c.settings)
ClientSecret = Annotated[str, Path(min_length=1, max_length=256)]
QueryText = Annotated[str | None, Query(max_length=1000)]

# The query parameters the redirect reads; any other is passed on to the checkout's page.
_PREFILL = {
    "product_id",
    "customer_email",
    "customer_name",
    "discount_code",
    "amount",
    "locale",
    "embed_origin",
    *QUERY_METADATA_KEYS,
}


class CheckoutLinkListQuery(SortedListQuery):
    sort_properties = CheckoutLinkSortProperty
    default_sorting = DEFAULT_SORTING

    organization_id: OrganizationIds = None
    product_id: Annotated[
        list[UUID4] | None, Field(description="Filter by product ID.", max_length=100)
    ] = None


def _wire(view: CheckoutLinkView, settings: Settings, files: FileUseCases) -> Wire:
    return checkout_link_wire(view, settings.api_base_url, files.public_url)


@router.get(
    "/",
    summary="List checkout links",
    response_model=ListResource[CheckoutLinkSchema],
    openapi_extra=openapi_parameters(CheckoutLinkListQuery),
)
async def list_checkout_links(
    request: Request,
    subject: auth.CheckoutLinksRead,
    uow: ReadUnitOfWork[CheckoutLinkUnitOfWork],
    q: Annotated[CheckoutLinkListQuery, list_query(CheckoutLinkListQuery)],
) -> Response:
    service = Service(request)
    files = Files(request)
    settings = Config(request)
    filters = CheckoutLinkFilters(
        organization_ids=q.organization_id or [], product_ids=q.product_id or []
    )
    page = await service.list(
        uow, subject, filters=filters, pagination=q.pagination, sorting=q.sort()
    )
    views = Page(await service.views(uow, page.items), page.total_count, page.limit)
    return page_response(views, lambda view: _wire(view, settings, files))


@router.post(
    "/", status_code=201, summary="Create a checkout link", response_model=CheckoutLinkSchema
)
async def create_checkout_link(
    request: Request,
    body: CheckoutLinkCreate,
    subject: auth.CheckoutLinksWrite,
    uow: WriteUnitOfWork[CheckoutLinkUnitOfWork],
) -> Response:
    service = Service(request)
    files = Files(request)
    settings = Config(request)
    link = await service.create(uow, subject, body)
    view = await service.view(uow, link)
    await uow.commit()
    return json_response(_wire(view, settings, files), status_code=201)


@router.get(
    "/{client_secret}/redirect",
    status_code=303,
    summary="Open a checkout from a checkout link",
    response_class=RedirectResponse,
)
async def redirect_checkout_link(
    request: Request,
    client_secret: ClientSecret,
    _: auth.Visitor,
    uow: WriteUnitOfWork[CheckoutLinkUnitOfWork],
    product_id: Annotated[str | None, Query(max_length=64)] = None,
    customer_email: QueryText = None,
    customer_name: QueryText = None,
    discount_code: QueryText = None,
    amount: Annotated[str | None, Query(max_length=32)] = None,
    locale: Annotated[str | None, Query(max_length=16)] = None,
    reference_id: QueryText = None,
    utm_source: QueryText = None,
    utm_medium: QueryText = None,
    utm_campaign: QueryText = None,
    utm_term: QueryText = None,
    utm_content: QueryText = None,
) -> RedirectResponse:
    service = Service(request)
    settings = Config(request)
    try:
        chosen = uuid.UUID(product_id) if product_id else None
    except ValueError:
        chosen = None  # A product pre-selection that is not an id is ignored, as in Polar.
    query = RedirectQuery(
        product_id=chosen,
        customer_email=customer_email,
        customer_name=customer_name,
        discount_code=discount_code,
        amount=amount,
        locale=locale,
        ip_address=client_address(request.scope),
        metadata={
            "reference_id": reference_id,
            "utm_source": utm_source,
            "utm_medium": utm_medium,
            "utm_campaign": utm_campaign,
            "utm_term": utm_term,
            "utm_content": utm_content,
        },
    )
    checkout = await service.open(uow, client_secret, query)
    await uow.commit()
    url = f"{settings.api_base_url}/checkout/{checkout.client_secret}"
    passed_on = [(k, v) for k, v in request.query_params.multi_items() if k not in _PREFILL]
    if passed_on:
        url = f"{url}?{urlencode(passed_on)}"
    return RedirectResponse(url, status_code=303)


@router.get("/{id}", summary="Get a checkout link", response_model=CheckoutLinkSchema)
async def get_checkout_link(
    request: Request,
    id: UUID4,
    subject: auth.CheckoutLinksRead,
    uow: ReadUnitOfWork[CheckoutLinkUnitOfWork],
) -> Response:
    service = Service(request)
    files = Files(request)
    settings = Config(request)
    link = await service.get(uow, subject, id)
    return json_response(_wire(await service.view(uow, link), settings, files))


@router.patch("/{id}", summary="Update a checkout link", response_model=CheckoutLinkSchema)
async def update_checkout_link(
    request: Request,
    id: UUID4,
    body: CheckoutLinkUpdate,
    subject: auth.CheckoutLinksWrite,
    uow: WriteUnitOfWork[CheckoutLinkUnitOfWork],
) -> Response:
    service = Service(request)
    files = Files(request)
    settings = Config(request)
    link = await service.get(uow, subject, id, lock=True)
    link = await service.update(uow, subject, link, body)
    view = await service.view(uow, link)
    await uow.commit()
    return json_response(_wire(view, settings, files))


@router.delete("/{id}", status_code=204, summary="Delete a checkout link")
async def delete_checkout_link(
    request: Request,
    id: UUID4,
    subject: auth.CheckoutLinksWrite,
    uow: WriteUnitOfWork[CheckoutLinkUnitOfWork],
) -> None:
    service = Service(request)
    link = await service.get(uow, subject, id, lock=True)
    await service.delete(uow, subject, link)
    await uow.commit()
