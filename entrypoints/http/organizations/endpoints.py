from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import UUID4

from application.kit.sorting import Sorting
from application.organizations.commands import OrganizationCreate, OrganizationUpdate
from application.organizations.service import OrganizationService
from application.organizations.sorting import DEFAULT_SORTING, OrganizationSortProperty
from entrypoints.http.dependencies import ReadUnitOfWork, WriteUnitOfWork, provided
from entrypoints.http.kit.query import PaginationQuery, sorting_query
from entrypoints.http.kit.responses import json_response, page_response
from entrypoints.http.kit.schemas import ListResource
from entrypoints.http.organizations import auth
from entrypoints.http.organizations.schemas import OrganizationSchema

router = APIRouter(prefix="/organizations", tags=["organizations"])

Service = Annotated[OrganizationService, provided(lambda c: c.organization_service)]
SortingQuery = Annotated[
    list[Sorting[OrganizationSortProperty]],
    Depends(sorting_query(OrganizationSortProperty, DEFAULT_SORTING)),
]


@router.get("/", summary="List organizations", response_model=ListResource[OrganizationSchema])
async def list_organizations(
    subject: auth.OrganizationsRead,
    uow: ReadUnitOfWork,
    pagination: PaginationQuery,
    sorting: SortingQuery,
    service: Service,
    slug: Annotated[str | None, Query(max_length=64, description="Filter by slug.")] = None,
) -> Response:
    page = await service.list(uow, subject, slug=slug, pagination=pagination, sorting=sorting)
    return page_response(page, OrganizationSchema.wire)


@router.post(
    "/", status_code=201, summary="Create an organization", response_model=OrganizationSchema
)
async def create_organization(
    body: OrganizationCreate,
    subject: auth.OrganizationsCreate,
    uow: WriteUnitOfWork,
    service: Service,
) -> Response:
    organization = await service.create(uow, subject, body)
    await uow.commit()
    return json_response(OrganizationSchema.wire(organization), status_code=201)


@router.get("/{id}", summary="Get an organization", response_model=OrganizationSchema)
async def get_organization(
    id: UUID4, subject: auth.OrganizationsRead, uow: ReadUnitOfWork, service: Service
) -> Response:
    return json_response(OrganizationSchema.wire(await service.get(uow, subject, id)))


@router.patch("/{id}", summary="Update an organization", response_model=OrganizationSchema)
async def update_organization(
    id: UUID4,
    body: OrganizationUpdate,
    subject: auth.OrganizationsWrite,
    uow: WriteUnitOfWork,
    service: Service,
) -> Response:
    organization = await service.update(uow, subject, id, body)
    await uow.commit()
    return json_response(OrganizationSchema.wire(organization))


@router.delete("/{id}", status_code=204, summary="Delete an organization")
async def delete_organization(
    id: UUID4, subject: auth.OrganizationsDelete, uow: WriteUnitOfWork, service: Service
) -> None:
    await service.delete(uow, subject, id)
    await uow.commit()
