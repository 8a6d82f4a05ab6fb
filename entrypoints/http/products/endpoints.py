from typing import Annotated

from fastapi import Request, Response
from pydantic import UUID4, Field

from application.files.service import FileUseCases
from application.products.commands import ProductBenefitsUpdate, ProductCreate, ProductUpdate
from application.products.ports import ProductFilters, ProductUnitOfWork
from application.products.service import ProductService
from application.products.sorting import DEFAULT_SORTING, ProductSortProperty
from domain.product import Visibility
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
from entrypoints.http.products import auth
from entrypoints.http.products.schemas import ProductSchema, product_wire

router = ModuleRouter(prefix="/products", tags=["products"])

Service = FromContainer[ProductService](lambda c: c.product_service)
# Product media answer with their public URL, which the file storage knows.
Files = FromContainer[FileUseCases](lambda c: c.file_service)


class ProductListQuery(SortedListQuery):
    sort_properties = ProductSortProperty
    default_sorting = DEFAULT_SORTING

    id: Annotated[
        list[UUID4] | None, Field(description="Filter by product ID.", max_length=100)
    ] = None
    organization_id: OrganizationIds = None
    query: Annotated[str | None, Field(max_length=256, description="Filter by product name.")] = (
        None
    )
    is_archived: Annotated[bool | None, Field(description="Filter on archived products.")] = None
    is_recurring: Annotated[bool | None, Field(description="Filter on recurring products.")] = None
    visibility: Annotated[
        list[Visibility] | None, Field(description="Filter by visibility.", max_length=3)
    ] = None
    benefit_id: Annotated[
        list[UUID4] | None,
        Field(description="Filter products granting these benefits.", max_length=100),
    ] = None


@router.get(
    "/",
    summary="List products",
    response_model=ListResource[ProductSchema],
    openapi_extra=openapi_parameters(ProductListQuery),
)
async def list_products(
    request: Request,
    subject: auth.ProductsRead,
    uow: ReadUnitOfWork[ProductUnitOfWork],
    q: Annotated[ProductListQuery, list_query(ProductListQuery)],
) -> Response:
    service = Service(request)
    files = Files(request)
    filters = ProductFilters(
        ids=q.id or [],
        organization_ids=q.organization_id or [],
        query=q.query or None,
        is_archived=q.is_archived,
        is_recurring=q.is_recurring,
        visibilities=q.visibility or [],
        metadata=metadata_filters(request),
        benefit_ids=q.benefit_id or [],
    )
    page = await service.list(
        uow, subject, filters=filters, pagination=q.pagination, sorting=q.sort()
    )
    return page_response(page, lambda p: product_wire(p, files.public_url))


@router.post(
    "/",
    status_code=201,
    summary="Create a product",
    response_model=ProductSchema,
    openapi_extra=ORGANIZATION_HEADER,
)
async def create_product(
    request: Request,
    body: ProductCreate,
    subject: auth.ProductsWrite,
    uow: WriteUnitOfWork[ProductUnitOfWork],
) -> Response:
    service = Service(request)
    files = Files(request)
    body = with_header_organization(body, request)
    product = await service.create(uow, subject, body)
    await uow.commit()
    return json_response(product_wire(product, files.public_url), status_code=201)


@router.get("/{id}", summary="Get a product", response_model=ProductSchema)
async def get_product(
    request: Request,
    id: UUID4,
    subject: auth.ProductsRead,
    uow: ReadUnitOfWork[ProductUnitOfWork],
) -> Response:
    service = Service(request)
    files = Files(request)
    return json_response(product_wire(await service.get(uow, subject, id), files.public_url))


@router.patch("/{id}", summary="Update a product", response_model=ProductSchema)
async def update_product(
    request: Request,
    id: UUID4,
    body: ProductUpdate,
    subject: auth.ProductsWrite,
    uow: WriteUnitOfWork[ProductUnitOfWork],
) -> Response:
    service = Service(request)
    files = Files(request)
    product = await service.update(uow, subject, id, body)
    await uow.commit()
    return json_response(product_wire(product, files.public_url))


@router.delete(
    "/{id}",
    status_code=204,
    summary="Delete a product",
    description=(
        "Soft-delete a product. A product in use (with orders, subscriptions or a payment "
        "under way, or a discount restricted to it) cannot be deleted: it answers 409 "
        "ProductNotDeletable, and can be archived instead."
    ),
    responses={409: {"description": "The product is in use and cannot be deleted."}},
)
async def delete_product(
    request: Request,
    id: UUID4,
    subject: auth.ProductsWrite,
    uow: WriteUnitOfWork[ProductUnitOfWork],
) -> None:
    service = Service(request)
    await service.delete(uow, subject, id)
    await uow.commit()


@router.post(
    "/{id}/benefits", summary="Update the benefits of a product", response_model=ProductSchema
)
async def update_product_benefits(
    request: Request,
    id: UUID4,
    body: ProductBenefitsUpdate,
    subject: auth.ProductsWrite,
    uow: WriteUnitOfWork[ProductUnitOfWork],
) -> Response:
    service = Service(request)
    files = Files(request)
    product = await service.set_benefits(uow, subject, id, body)
    await uow.commit()
    return json_response(product_wire(product, files.public_url))
