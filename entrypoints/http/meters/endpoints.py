from typing import Annotated

from fastapi import Request, Response
from pydantic import UUID4, Field

from application.meters.commands import MeterCreate, MeterUpdate
from application.meters.ports import MeterFilters, MeterUnitOfWork
from application.meters.service import MeterService
from application.meters.sorting import DEFAULT_SORTING, MeterSortProperty
from entrypoints.http.dependencies import (
    ORGANIZATION_HEADER,
    FromContainer,
    ReadUnitOfWork,
    WriteUnitOfWork,
    with_header_organization,
)
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
from entrypoints.http.meters import auth
from entrypoints.http.meters.schemas import MeterSchema, meter_wire

router = ModuleRouter(prefix="/meters", tags=["meters"])

Service = FromContainer[MeterService](lambda c: c.meter_service)


class MeterListQuery(SortedListQuery):
    sort_properties = MeterSortProperty
    default_sorting = DEFAULT_SORTING

    organization_id: OrganizationIds = None
    query: Annotated[str | None, Field(max_length=256, description="Filter by name.")] = None
    is_archived: Annotated[bool | None, Field(description="Filter on archived meters.")] = None


@router.get(
    "/",
    summary="List meters",
    response_model=ListResource[MeterSchema],
    openapi_extra=openapi_parameters(MeterListQuery),
)
async def list_meters(
    request: Request,
    subject: auth.MetersRead,
    uow: ReadUnitOfWork[MeterUnitOfWork],
    q: Annotated[MeterListQuery, list_query(MeterListQuery)],
) -> Response:
    service = Service(request)
    filters = MeterFilters(
        organization_ids=q.organization_id or [],
        query=q.query or None,
        is_archived=q.is_archived,
        metadata=metadata_filters(request),
    )
    page = await service.list(
        uow, subject, filters=filters, pagination=q.pagination, sorting=q.sort()
    )
    return page_response(page, meter_wire)


@router.post(
    "/",
    status_code=201,
    summary="Create a meter",
    response_model=MeterSchema,
    openapi_extra=ORGANIZATION_HEADER,
)
async def create_meter(
    request: Request,
    body: MeterCreate,
    subject: auth.MetersWrite,
    uow: WriteUnitOfWork[MeterUnitOfWork],
) -> Response:
    service = Service(request)
    body = with_header_organization(body, request)
    meter = await service.create(uow, subject, body)
    await uow.commit()
    return json_response(meter_wire(meter), status_code=201)


@router.get("/{id}", summary="Get a meter", response_model=MeterSchema)
async def get_meter(
    request: Request, id: UUID4, subject: auth.MetersRead, uow: ReadUnitOfWork[MeterUnitOfWork]
) -> Response:
    service = Service(request)
    return json_response(meter_wire(await service.get(uow, subject, id)))


@router.patch("/{id}", summary="Update a meter", response_model=MeterSchema)
async def update_meter(
    request: Request,
    id: UUID4,
    body: MeterUpdate,
    subject: auth.MetersWrite,
    uow: WriteUnitOfWork[MeterUnitOfWork],
) -> Response:
    service = Service(request)
    meter = await service.update(uow, subject, id, body)
    await uow.commit()
    return json_response(meter_wire(meter))
