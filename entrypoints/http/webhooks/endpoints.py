from typing import Annotated, Literal

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import UUID4, Field

from application.kit.errors import FieldError, ValidationFailed
from application.kit.inputs import UtcTimestamp
from application.webhooks.commands import WebhookEndpointCreate, WebhookEndpointUpdate
from application.webhooks.ports import DeliveryFilters, WebhookUnitOfWork
from application.webhooks.service import WebhookService
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
    list_query,
    openapi_parameters,
)
from entrypoints.http.kit.routing import ModuleRouter
from entrypoints.http.kit.schemas import ListResource
from entrypoints.http.webhooks import auth
from entrypoints.http.webhooks.schemas import (
    WebhookDeliverySchema,
    WebhookEndpointSchema,
    delivery_schema,
    endpoint_schema,
)

router = ModuleRouter(prefix="/webhooks", tags=["webhooks"])

Service = FromContainer[WebhookService](lambda c: c.webhook_service)


class EndpointListQuery(ListQuery):
    organization_id: OrganizationIds = None


class DeliveryListQuery(ListQuery):
    endpoint_id: Annotated[
        list[UUID4] | None, Field(description="Filter by webhook endpoint ID.", max_length=100)
    ] = None
    start_timestamp: UtcTimestamp | None = None
    end_timestamp: UtcTimestamp | None = None
    succeeded: bool | None = None
    query: Annotated[str | None, Field(max_length=256)] = None
    http_code_class: Literal["2xx", "3xx", "4xx", "5xx"] | None = None
    event_type: Annotated[list[str] | None, Field(max_length=100)] = None


@router.get(
    "/endpoints",
    summary="List webhook endpoints",
    openapi_extra=openapi_parameters(EndpointListQuery),
)
async def list_webhook_endpoints(
    request: Request,
    subject: auth.WebhooksRead,
    uow: ReadUnitOfWork[WebhookUnitOfWork],
    q: Annotated[EndpointListQuery, list_query(EndpointListQuery)],
) -> ListResource[WebhookEndpointSchema]:
    service = Service(request)
    page = await service.list_endpoints(
        uow, subject, organization_ids=q.organization_id, pagination=q.pagination
    )
    return ListResource.of(page, [endpoint_schema(e) for e in page.items])


@router.post(
    "/endpoints",
    status_code=201,
    summary="Create a webhook endpoint",
    openapi_extra=ORGANIZATION_HEADER,
)
async def create_webhook_endpoint(
    request: Request,
    body: WebhookEndpointCreate,
    subject: auth.WebhooksWrite,
    uow: WriteUnitOfWork[WebhookUnitOfWork],
) -> WebhookEndpointSchema:
    service = Service(request)
    body = with_header_organization(body, request)
    endpoint = await service.create_endpoint(uow, subject, body)
    await uow.commit()
    return endpoint_schema(endpoint)


@router.get("/endpoints/{id}", summary="Get a webhook endpoint")
async def get_webhook_endpoint(
    request: Request, id: UUID4, subject: auth.WebhooksRead, uow: ReadUnitOfWork[WebhookUnitOfWork]
) -> WebhookEndpointSchema:
    service = Service(request)
    return endpoint_schema(await service.get_endpoint(uow, subject, id))


@router.patch("/endpoints/{id}", summary="Update a webhook endpoint")
async def update_webhook_endpoint(
    request: Request,
    id: UUID4,
    body: WebhookEndpointUpdate,
    subject: auth.WebhooksWrite,
    uow: WriteUnitOfWork[WebhookUnitOfWork],
) -> WebhookEndpointSchema:
    service = Service(request)
    endpoint = await service.update_endpoint(uow, subject, id, body)
    await uow.commit()
    return endpoint_schema(endpoint)


@router.patch("/endpoints/{id}/secret", summary="Regenerate a webhook endpoint secret")
async def reset_webhook_endpoint_secret(
    request: Request,
    id: UUID4,
    subject: auth.WebhooksWrite,
    uow: WriteUnitOfWork[WebhookUnitOfWork],
) -> WebhookEndpointSchema:
    service = Service(request)
    endpoint = await service.rotate_secret(uow, subject, id)
    await uow.commit()
    return endpoint_schema(endpoint)


@router.delete("/endpoints/{id}", status_code=204, summary="Delete a webhook endpoint")
async def delete_webhook_endpoint(
    request: Request,
    id: UUID4,
    subject: auth.WebhooksWrite,
    uow: WriteUnitOfWork[WebhookUnitOfWork],
) -> None:
    service = Service(request)
    await service.delete_endpoint(uow, subject, id)
    await uow.commit()


@router.get(
    "/deliveries",
    summary="List webhook deliveries",
    openapi_extra=openapi_parameters(DeliveryListQuery),
)
async def list_webhook_deliveries(
    request: Request,
    subject: auth.WebhooksRead,
    uow: ReadUnitOfWork[WebhookUnitOfWork],
    q: Annotated[DeliveryListQuery, list_query(DeliveryListQuery)],
) -> ListResource[WebhookDeliverySchema]:
    service = Service(request)
    known = service.known_event_types
    errors = [
        FieldError(("query", "event_type", i), f"Unknown event type {t!r}.", "enum", t)
        for i, t in enumerate(q.event_type or [])
        if t not in known
    ]
    if errors:
        raise ValidationFailed(errors)
    filters = DeliveryFilters(
        endpoint_ids=q.endpoint_id,
        start=q.start_timestamp,
        end=q.end_timestamp,
        succeeded=q.succeeded,
        http_code_class=q.http_code_class,
        event_types=q.event_type,
        query=q.query or None,
    )
    page = await service.list_deliveries(uow, subject, filters, pagination=q.pagination)
    return ListResource.of(page, [delivery_schema(d, e) for d, e in page.items])


@router.post("/events/{id}/redeliver", status_code=202, summary="Redeliver a webhook event")
async def redeliver_webhook_event(
    request: Request,
    id: UUID4,
    subject: auth.WebhooksWrite,
    uow: WriteUnitOfWork[WebhookUnitOfWork],
) -> JSONResponse:
    service = Service(request)
    await service.redeliver(uow, subject, id)
    await uow.commit()
    return JSONResponse(None, status_code=202)
