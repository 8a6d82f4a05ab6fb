from typing import Annotated

from fastapi import Request, Response
from pydantic import UUID4

from application.tokens.commands import OrganizationAccessTokenCreate, OrganizationAccessTokenUpdate
from application.tokens.ports import TokenUnitOfWork
from application.tokens.service import AccessTokenService
from application.tokens.sorting import DEFAULT_SORTING, AccessTokenSortProperty
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
from entrypoints.http.kit.responses import json_response
from entrypoints.http.kit.routing import ModuleRouter
from entrypoints.http.kit.schemas import ListResource
from entrypoints.http.organization_access_tokens import auth
from entrypoints.http.organization_access_tokens.schemas import (
    OrganizationAccessTokenCreateResponse,
    OrganizationAccessTokenSchema,
    organization_access_token_created_wire,
)

router = ModuleRouter(prefix="/organization-access-tokens", tags=["organization_access_tokens"])

Service = FromContainer[AccessTokenService](lambda c: c.token_service)


class TokenListQuery(SortedListQuery):
    sort_properties = AccessTokenSortProperty
    default_sorting = DEFAULT_SORTING

    organization_id: OrganizationIds = None


@router.get(
    "/",
    summary="List organization access tokens",
    openapi_extra=openapi_parameters(TokenListQuery),
)
async def list_tokens(
    request: Request,
    subject: auth.TokensRead,
    uow: ReadUnitOfWork[TokenUnitOfWork],
    q: Annotated[TokenListQuery, list_query(TokenListQuery)],
) -> ListResource[OrganizationAccessTokenSchema]:
    service = Service(request)
    page = await service.list_organization_tokens(
        uow, subject, organization_ids=q.organization_id, pagination=q.pagination, sorting=q.sort()
    )
    return ListResource.of(page, [OrganizationAccessTokenSchema.from_entity(t) for t in page.items])


@router.post(
    "/",
    status_code=201,
    summary="Create an organization access token",
    response_model=OrganizationAccessTokenCreateResponse,
    openapi_extra=ORGANIZATION_HEADER,
)
async def create_token(
    request: Request,
    body: OrganizationAccessTokenCreate,
    subject: auth.TokensWrite,
    uow: WriteUnitOfWork[TokenUnitOfWork],
) -> Response:
    service = Service(request)
    body = with_header_organization(body, request)
    token, secret = await service.create_organization_token(uow, subject, body)
    await uow.commit()
    return json_response(organization_access_token_created_wire(token, secret), status_code=201)


@router.patch("/{id}", summary="Update an organization access token")
async def update_token(
    request: Request,
    id: UUID4,
    body: OrganizationAccessTokenUpdate,
    subject: auth.TokensWrite,
    uow: WriteUnitOfWork[TokenUnitOfWork],
) -> OrganizationAccessTokenSchema:
    service = Service(request)
    token = await service.update_organization_token(uow, subject, id, body)
    await uow.commit()
    return OrganizationAccessTokenSchema.from_entity(token)


@router.delete("/{id}", status_code=204, summary="Revoke an organization access token")
async def delete_token(
    request: Request, id: UUID4, subject: auth.TokensWrite, uow: WriteUnitOfWork[TokenUnitOfWork]
) -> None:
    service = Service(request)
    await service.revoke_organization_token(uow, subject, id)
    await uow.commit()
