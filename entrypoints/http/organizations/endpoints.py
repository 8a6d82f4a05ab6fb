from typing import Annotated

from fastapi import Request, Response
from pydantic import UUID4, Field

from application.organizations.commands import OrganizationCreate, OrganizationUpdate
from application.organizations.ports import OrganizationUnitOfWork
from application.organizations.service import OrganizationService
from application.organizations.sorting import DEFAULT_SORTING, OrganizationSortProperty
from entrypoints.http.dependencies import FromContainer, ReadUnitOfWork, WriteUnitOfWork
from entrypoints.http.kit.query import SortedListQuery, list_query, openapi_parameters
from entrypoints.http.kit.responses import json_response, page_response
from entrypoints.http.kit.routing import ModuleRouter
from entrypoints.http.kit.schemas import ListResource
from entrypoints.http.organizations import auth
from entrypoints.http.organizations.schemas import OrganizationSchema, organization_wire

router = ModuleRouter(prefix="/organizations", tags=["organizations"])

Service = FromContainer[OrganizationService](lambda c: c.organization_service)


class OrganizationListQuery(SortedListQuery):
    sort_properties = OrganizationSortProperty
    default_sorting = DEFAULT_SORTING

    slug: Annotated[str | None, Field(max_length=64, description="Filter by slug.")] = None


@router.get(
    "/",
    summary="List organizations",
    response_model=ListResource[OrganizationSchema],
    openapi_extra=openapi_parameters(OrganizationListQuery),
)
async def list_organizations(
    request: Request,
    subject: auth.OrganizationsRead,
    uow: ReadUnitOfWork[OrganizationUnitOfWork],
    q: Annotated[OrganizationListQuery, list_query(OrganizationListQuery)],
) -> Response:
    service = Service(request)
    page = await service.list(uow, subject, slug=q.slug, pagination=q.pagination, sorting=q.sort())
    return page_response(page, organization_wire)


@router.post(
    "/", status_code=201, summary="Create an organization", response_model=OrganizationSchema
)
async def create_organization(
    request: Request,
    body: OrganizationCreate,
    subject: auth.OrganizationsCreate,
    uow: WriteUnitOfWork[OrganizationUnitOfWork],
) -> Response:
    service = Service(request)
    organization = await service.create(uow, subject, body)
    await uow.commit()
    return json_response(organization_wire(organization), status_code=201)


@router.get("/{id}", summary="Get an organization", response_model=OrganizationSchema)
async def get_organization(
    request: Request,
    id: UUID4,
    subject: auth.OrganizationsRead,
    uow: ReadUnitOfWork[OrganizationUnitOfWork],
) -> Response:
    service = Service(request)
    return json_response(organization_wire(await service.get(uow, subject, id)))


@router.patch("/{id}", summary="Update an organization", response_model=OrganizationSchema)
async def update_organization(
    request: Request,
    id: UUID4,
    body: OrganizationUpdate,
    subject: auth.OrganizationsWrite,
    uow: WriteUnitOfWork[OrganizationUnitOfWork],
) -> Response:
    service = Service(request)
    organization = await service.update(uow, subject, id, body)
    await uow.commit()
    return json_response(organization_wire(organization))


@router.delete("/{id}", status_code=204, summary="Delete an organization")
async def delete_organization(
    request: Request,
    id: UUID4,
    subject: auth.OrganizationsDelete,
    uow: WriteUnitOfWork[OrganizationUnitOfWork],
) -> None:
    service = Service(request)
    await service.delete(uow, subject, id)
    await uow.commit()
