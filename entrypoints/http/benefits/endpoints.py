from typing import Annotated

from fastapi import Request, Response
from pydantic import UUID4, Field

from application.benefit_grants.ports import BenefitGrantFilters, BenefitGrantsOfBenefitUnitOfWork
from application.benefit_grants.service import BenefitGrantService
from application.benefit_grants.sorting import DEFAULT_SORTING as GRANT_SORTING
from application.benefits.commands import BenefitCreate, BenefitUpdate
from application.benefits.ports import BenefitFilters, BenefitUnitOfWork
from application.benefits.service import BenefitService
from application.benefits.sorting import DEFAULT_SORTING, BenefitSortProperty
from entrypoints.http.benefit_grants.schemas import BenefitGrantSchema, benefit_grant_wire
from entrypoints.http.benefits import auth
from entrypoints.http.benefits.schemas import BenefitSchema, benefit_wire
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

router = ModuleRouter(prefix="/benefits", tags=["benefits"])

Service = FromContainer[BenefitService](lambda c: c.benefit_service)
GrantService = FromContainer[BenefitGrantService](lambda c: c.benefit_grant_service)


class BenefitListQuery(SortedListQuery):
    sort_properties = BenefitSortProperty
    default_sorting = DEFAULT_SORTING

    organization_id: OrganizationIds = None
    type: Annotated[
        list[str] | None, Field(description="Filter by benefit type.", max_length=20)
    ] = None
    id: Annotated[
        list[UUID4] | None, Field(description="Filter by benefit ID.", max_length=100)
    ] = None
    exclude_id: Annotated[
        list[UUID4] | None, Field(description="Exclude benefits with these IDs.", max_length=100)
    ] = None
    query: Annotated[str | None, Field(max_length=256, description="Filter by description.")] = None


class GrantListQuery(ListQuery):
    is_granted: Annotated[bool | None, Field(description="Filter by granted status.")] = None
    customer_id: Annotated[
        list[UUID4] | None, Field(description="Filter by customer.", max_length=100)
    ] = None
    member_id: Annotated[
        list[UUID4] | None, Field(description="Filter by member.", max_length=100)
    ] = None


@router.get(
    "/",
    summary="List benefits",
    response_model=ListResource[BenefitSchema],
    openapi_extra=openapi_parameters(BenefitListQuery),
)
async def list_benefits(
    request: Request,
    subject: auth.BenefitsRead,
    uow: ReadUnitOfWork[BenefitUnitOfWork],
    q: Annotated[BenefitListQuery, list_query(BenefitListQuery)],
) -> Response:
    service = Service(request)
    filters = BenefitFilters(
        ids=q.id or [],
        exclude_ids=q.exclude_id or [],
        organization_ids=q.organization_id or [],
        types=q.type or [],
        query=q.query or None,
        metadata=metadata_filters(request),
    )
    page = await service.list(
        uow, subject, filters=filters, pagination=q.pagination, sorting=q.sort()
    )
    return page_response(page, benefit_wire)


@router.post(
    "/",
    status_code=201,
    summary="Create a benefit",
    response_model=BenefitSchema,
    openapi_extra=ORGANIZATION_HEADER,
)
async def create_benefit(
    request: Request,
    body: BenefitCreate,
    subject: auth.BenefitsWrite,
    uow: WriteUnitOfWork[BenefitUnitOfWork],
) -> Response:
    service = Service(request)
    body = with_header_organization(body, request)
    benefit = await service.create(uow, subject, body)
    await uow.commit()
    return json_response(benefit_wire(benefit), status_code=201)


@router.get("/{id}", summary="Get a benefit", response_model=BenefitSchema)
async def get_benefit(
    request: Request, id: UUID4, subject: auth.BenefitsRead, uow: ReadUnitOfWork[BenefitUnitOfWork]
) -> Response:
    service = Service(request)
    return json_response(benefit_wire(await service.get(uow, subject, id)))


@router.patch("/{id}", summary="Update a benefit", response_model=BenefitSchema)
async def update_benefit(
    request: Request,
    id: UUID4,
    body: BenefitUpdate,
    subject: auth.BenefitsWrite,
    uow: WriteUnitOfWork[BenefitUnitOfWork],
) -> Response:
    service = Service(request)
    benefit = await service.update(uow, subject, id, body)
    await uow.commit()
    return json_response(benefit_wire(benefit))


@router.delete("/{id}", status_code=204, summary="Delete a benefit")
async def delete_benefit(
    request: Request,
    id: UUID4,
    subject: auth.BenefitsWrite,
    uow: WriteUnitOfWork[BenefitUnitOfWork],
) -> Response:
    service = Service(request)
    await service.delete(uow, subject, id)
    await uow.commit()
    return Response(status_code=204)


@router.get(
    "/{id}/grants",
    summary="List the grants of a benefit",
    response_model=ListResource[BenefitGrantSchema],
    openapi_extra=openapi_parameters(GrantListQuery),
)
async def list_benefit_grants(
    request: Request,
    id: UUID4,
    subject: auth.BenefitsRead,
    uow: ReadUnitOfWork[BenefitGrantsOfBenefitUnitOfWork],
    q: Annotated[GrantListQuery, list_query(GrantListQuery)],
) -> Response:
    service = Service(request)
    grants = GrantService(request)
    benefit = await service.get(uow, subject, id)
    filters = BenefitGrantFilters(
        benefit_ids=[benefit.id],
        customer_ids=q.customer_id or [],
        member_ids=q.member_id or [],
        is_granted=q.is_granted,
    )
    page = await grants.list(
        uow, subject, filters=filters, pagination=q.pagination, sorting=GRANT_SORTING
    )
    return page_response(page, benefit_grant_wire)
