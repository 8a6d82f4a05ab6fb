from typing import Annotated

from fastapi import Body, Request, Response
from pydantic import UUID4, Field

from application.custom_fields.commands import CustomFieldCreate, CustomFieldUpdate
from application.custom_fields.ports import CustomFieldFilters, CustomFieldUnitOfWork
from application.custom_fields.service import CustomFieldService
from application.custom_fields.sorting import DEFAULT_SORTING, CustomFieldSortProperty
from domain.custom_field import CustomFieldType
from entrypoints.http.custom_fields import auth
from entrypoints.http.custom_fields.schemas import CustomFieldSchema, custom_field_wire
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
    openapi_parameters,
)
from entrypoints.http.kit.responses import json_response, page_response
from entrypoints.http.kit.routing import ModuleRouter
from entrypoints.http.kit.schemas import ListResource

router = ModuleRouter(prefix="/custom-fields", tags=["custom-fields"])

Service = FromContainer[CustomFieldService](lambda c: c.custom_field_service)


class CustomFieldListQuery(SortedListQuery):
    sort_properties = CustomFieldSortProperty
    default_sorting = DEFAULT_SORTING

    organization_id: OrganizationIds = None
    query: Annotated[
        str | None, Field(max_length=256, description="Filter by custom field name or slug.")
    ] = None
    type: Annotated[
        list[CustomFieldType] | None,
        Field(description="Filter by custom field type.", max_length=10),
    ] = None


@router.get(
    "/",
    summary="List custom fields",
    response_model=ListResource[CustomFieldSchema],
    openapi_extra=openapi_parameters(CustomFieldListQuery),
)
async def list_custom_fields(
    request: Request,
    subject: auth.CustomFieldsRead,
    uow: ReadUnitOfWork[CustomFieldUnitOfWork],
    q: Annotated[CustomFieldListQuery, list_query(CustomFieldListQuery)],
) -> Response:
    service = Service(request)
    filters = CustomFieldFilters(
        organization_ids=q.organization_id or [],
        query=q.query or None,
        types=q.type or [],
    )
    page = await service.list(
        uow, subject, filters=filters, pagination=q.pagination, sorting=q.sort()
    )
    return page_response(page, custom_field_wire)


@router.post(
    "/",
    status_code=201,
    summary="Create a custom field",
    response_model=CustomFieldSchema,
    openapi_extra=ORGANIZATION_HEADER,
)
async def create_custom_field(
    request: Request,
    body: Annotated[CustomFieldCreate, Body()],
    subject: auth.CustomFieldsWrite,
    uow: WriteUnitOfWork[CustomFieldUnitOfWork],
) -> Response:
    service = Service(request)
    body = with_header_organization(body, request)
    custom_field = await service.create(uow, subject, body)
    await uow.commit()
    return json_response(custom_field_wire(custom_field), status_code=201)


@router.get("/{id}", summary="Get a custom field", response_model=CustomFieldSchema)
async def get_custom_field(
    request: Request,
    id: UUID4,
    subject: auth.CustomFieldsRead,
    uow: ReadUnitOfWork[CustomFieldUnitOfWork],
) -> Response:
    service = Service(request)
    return json_response(custom_field_wire(await service.get(uow, subject, id)))


@router.patch("/{id}", summary="Update a custom field", response_model=CustomFieldSchema)
async def update_custom_field(
    request: Request,
    id: UUID4,
    body: Annotated[CustomFieldUpdate, Body()],
    subject: auth.CustomFieldsWrite,
    uow: WriteUnitOfWork[CustomFieldUnitOfWork],
) -> Response:
    service = Service(request)
    custom_field = await service.get(uow, subject, id, lock=True)
    custom_field = await service.update(uow, subject, custom_field, body)
    await uow.commit()
    return json_response(custom_field_wire(custom_field))


@router.delete("/{id}", status_code=204, summary="Delete a custom field")
async def delete_custom_field(
    request: Request,
    id: UUID4,
    subject: auth.CustomFieldsWrite,
    uow: WriteUnitOfWork[CustomFieldUnitOfWork],
) -> None:
    service = Service(request)
    custom_field = await service.get(uow, subject, id, lock=True)
    await service.delete(uow, subject, custom_field)
    await uow.commit()
