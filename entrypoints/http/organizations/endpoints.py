from typing import Annotated

from fastapi import APIRouter, Response
from pydantic import UUID4, Field

from application.organizations.commands import OrganizationCreate, OrganizationUpdate
from application.organizations.ports import OrganizationUnitOfWork
from application.organizations.service import OrganizationService
from application.organizations.sorting import DEFAULT_SORTING, OrganizationSortProperty
from entrypoints.http.dependencies import ReadUnitOfWork, WriteUnitOfWork, provided
from entrypoints.http.kit.query import SortedListQuery, list_query, openapi_parameters
from entrypoints.http.kit.responses import json_response, page_response
from entrypoints.http.kit.schemas import ListResource
from entrypoints.http.organizations import auth
from entrypoints.http.organizations.schemas import OrganizationSchema, organization_wire

router = APIRouter(prefix="/organizations", tags=["organizations"])

Service = Annotated[OrganizationService, provided(lambda c: c.organization_service)]


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
    subject: auth.OrganizationsRead,
    uow: ReadUnitOfWork[OrganizationUnitOfWork],
    service: Service,
    q: Annotated[OrganizationListQuery, list_query(OrganizationListQuery)],
) -> Response:
    page = await service.list(uow, subject, slug=q.slug, pagination=q.pagination, sorting=q.sort())
    return page_response(page, organization_wire)


@router.post(
    "/", status_code=201, summary="Create an organization", response_model=OrganizationSchema
)
async def create_organization(
    body: OrganizationCreate,
    subject: auth.OrganizationsCreate,
    uow: WriteUnitOfWork[OrganizationUnitOfWork],
    service: Service,
) -> Response:
    organization = await service.create(uow, subject, body)
    await uow.commit()
    return json_response(organization_wire(organization), status_code=201)


@router.get("/{id}", summary="Get an organization", response_model=OrganizationSchema)
async def get_organization(
    id: UUID4,
    subject: auth.OrganizationsRead,
    uow: ReadUnitOfWork[OrganizationUnitOfWork],
    service: Service,
) -> Response:
    return json_response(organization_wire(await service.get(uow, subject, id)))


@router.patch("/{id}", summary="Update an organization", response_model=OrganizationSchema)
async def update_organization(
    id: UUID4,
    body: OrganizationUpdate,
    subject: auth.OrganizationsWrite,
    uow: WriteUnitOfWork[OrganizationUnitOfWork],
    service: Service,
) -> Response:
    organization = await service.update(uow, subject, id, body)
    await uow.commit()
    return json_response(organization_wire(organization))


@router.delete("/{id}", status_code=204, summary="Delete an organization")
async def delete_organization(
    id: UUID4,
    subject: auth.OrganizationsDelete,
    uow: WriteUnitOfWork[OrganizationUnitOfWork],
    service: Service,
) -> None:
    await service.delete(uow, subject, id)
    await uow.commit()
