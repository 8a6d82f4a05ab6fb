from __future__ import annotations

from typing import Annotated

from fastapi import Request, Response
from pydantic import UUID4, Field

from application.benefit_grants.ports import BenefitGrantFilters, BenefitGrantUnitOfWork
from application.benefit_grants.service import BenefitGrantService
from application.benefit_grants.sorting import DEFAULT_SORTING, BenefitGrantSortProperty
from entrypoints.http.benefit_grants import auth
from entrypoints.http.benefit_grants.schemas import BenefitGrantSchema, benefit_grant_wire
from entrypoints.http.dependencies import FromContainer, ReadUnitOfWork
from entrypoints.http.kit.query import (
    OrganizationIds,
    SortedListQuery,
    list_query,
    openapi_parameters,
)
from entrypoints.http.kit.responses import page_response
from entrypoints.http.kit.routing import ModuleRouter
from entrypoints.http.kit.schemas import ListResource

router = ModuleRouter(prefix="/benefit-grants", tags=["benefit-grants"])

Service = FromContainer[BenefitGrantService](lambda c: c.benefit_grant_service)


class BenefitGrantListQuery(SortedListQuery):
    sort_properties = BenefitGrantSortProperty
    default_sorting = DEFAULT_SORTING

    organization_id: OrganizationIds = None
    customer_id: Annotated[
        list[UUID4] | None, Field(description="Filter by customer ID.", max_length=100)
    ] = None
    external_customer_id: Annotated[
        list[Annotated[str, Field(max_length=256)]] | None,
        Field(description="Filter by customer external ID.", max_length=100),
    ] = None
    is_granted: Annotated[bool | None, Field(description="Filter by granted status.")] = None


@router.get(
    "/",
    summary="List benefit grants",
    response_model=ListResource[BenefitGrantSchema],
    openapi_extra=openapi_parameters(BenefitGrantListQuery),
)
async def list_benefit_grants(
    request: Request,
    subject: auth.BenefitGrantsRead,
    uow: ReadUnitOfWork[BenefitGrantUnitOfWork],
    q: Annotated[BenefitGrantListQuery, list_query(BenefitGrantListQuery)],
) -> Response:
    service = Service(request)
    filters = BenefitGrantFilters(
        organization_ids=q.organization_id or [],
        customer_ids=q.customer_id or [],
        external_customer_ids=q.external_customer_id or [],
        is_granted=q.is_granted,
    )
    page = await service.list(
        uow, subject, filters=filters, pagination=q.pagination, sorting=q.sort()
    )
    return page_response(page, benefit_grant_wire)
