from typing import Annotated

from fastapi import Request
from pydantic import UUID4, Field

from application.discounts.commands import DiscountCreate, DiscountUpdate
from application.discounts.ports import DiscountUnitOfWork
from application.discounts.service import DiscountService
from application.discounts.sorting import DEFAULT_SORTING, DiscountSortProperty
from entrypoints.http.dependencies import (
    ORGANIZATION_HEADER,
    FromContainer,
    ReadUnitOfWork,
    WriteUnitOfWork,
    with_header_organization,
)
from entrypoints.http.discounts import auth
from entrypoints.http.discounts.schemas import DiscountSchema, discount_schema
from entrypoints.http.kit.query import (
    OrganizationIds,
    SortedListQuery,
    list_query,
    openapi_parameters,
)
from entrypoints.http.kit.routing import ModuleRouter
from entrypoints.http.kit.schemas import ListResource

router = ModuleRouter(prefix="/discounts", tags=["discounts"])

Service = FromContainer[DiscountService](lambda c: c.discount_service)


class DiscountListQuery(SortedListQuery):
    sort_properties = DiscountSortProperty
    default_sorting = DEFAULT_SORTING

    organization_id: OrganizationIds = None
    query: Annotated[str | None, Field(max_length=256, description="Filter by name or code.")] = (
        None
    )


@router.get("/", summary="List discounts", openapi_extra=openapi_parameters(DiscountListQuery))
async def list_discounts(
    request: Request,
    subject: auth.DiscountsRead,
    uow: ReadUnitOfWork[DiscountUnitOfWork],
    q: Annotated[DiscountListQuery, list_query(DiscountListQuery)],
) -> ListResource[DiscountSchema]:
    service = Service(request)
    page = await service.list(
        uow,
        subject,
        organization_ids=q.organization_id,
        query=q.query,
        pagination=q.pagination,
        sorting=q.sort(),
    )
    products = await service.restricted_products(uow, page.items)
    return ListResource.of(page, [discount_schema(d, products) for d in page.items])


@router.post("/", status_code=201, summary="Create a discount", openapi_extra=ORGANIZATION_HEADER)
async def create_discount(
    request: Request,
    body: DiscountCreate,
    subject: auth.DiscountsWrite,
    uow: WriteUnitOfWork[DiscountUnitOfWork],
) -> DiscountSchema:
    service = Service(request)
    body = with_header_organization(body, request)
    discount = await service.create(uow, subject, body)
    products = await service.restricted_products(uow, [discount])
    await uow.commit()
    return discount_schema(discount, products)


@router.get("/{id}", summary="Get a discount")
async def get_discount(
    request: Request,
    id: UUID4,
    subject: auth.DiscountsRead,
    uow: ReadUnitOfWork[DiscountUnitOfWork],
) -> DiscountSchema:
    service = Service(request)
    discount = await service.get(uow, subject, id)
    return discount_schema(discount, await service.restricted_products(uow, [discount]))


@router.patch("/{id}", summary="Update a discount")
async def update_discount(
    request: Request,
    id: UUID4,
    body: DiscountUpdate,
    subject: auth.DiscountsWrite,
    uow: WriteUnitOfWork[DiscountUnitOfWork],
) -> DiscountSchema:
    service = Service(request)
    discount = await service.update(uow, subject, id, body)
    products = await service.restricted_products(uow, [discount])
    await uow.commit()
    return discount_schema(discount, products)


@router.delete("/{id}", status_code=204, summary="Delete a discount")
async def delete_discount(
    request: Request,
    id: UUID4,
    subject: auth.DiscountsWrite,
    uow: WriteUnitOfWork[DiscountUnitOfWork],
) -> None:
    service = Service(request)
    await service.delete(uow, subject, id)
    await uow.commit()
