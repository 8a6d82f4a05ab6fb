"""License keys: the merchant's routes (`/v1/license-keys/…`) and the public ones the
customer's software calls (`/v1/customer-portal/license-keys/…`, no token: the key is the
capability)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Request, Response
from pydantic import UUID4, Field

from application.license_keys.commands import (
    LicenseKeyActivate,
    LicenseKeyDeactivate,
    LicenseKeyUpdate,
    LicenseKeyValidate,
)
from application.license_keys.ports import LicenseKeyFilters, LicenseKeyUnitOfWork
from application.license_keys.service import LicenseKeyService
from domain.license_key import LicenseKeyStatus
from entrypoints.http.dependencies import FromContainer, ReadUnitOfWork, WriteUnitOfWork
from entrypoints.http.kit.query import ListQuery, OrganizationIds, list_query, openapi_parameters
from entrypoints.http.kit.responses import json_response, page_response
from entrypoints.http.kit.routing import ModuleRouter
from entrypoints.http.kit.schemas import ListResource
from entrypoints.http.license_keys import auth
from entrypoints.http.license_keys.schemas import (
    LicenseKeyActivationRead,
    LicenseKeyRead,
    LicenseKeyWithActivations,
    ValidatedLicenseKey,
    activation_read_wire,
    license_key_wire,
    license_key_with_activations_wire,
    validated_license_key_wire,
)

router = ModuleRouter(prefix="/license-keys", tags=["license_keys"])
portal = ModuleRouter(prefix="/customer-portal/license-keys", tags=["customer_portal"])

Service = FromContainer[LicenseKeyService](lambda c: c.license_key_service)


class LicenseKeyListQuery(ListQuery):
    organization_id: OrganizationIds = None
    benefit_id: Annotated[
        list[UUID4] | None, Field(description="Filter by benefit ID.", max_length=100)
    ] = None
    status: Annotated[
        list[LicenseKeyStatus] | None, Field(description="Filter by status.", max_length=3)
    ] = None


@router.get(
    "/",
    summary="List license keys",
    response_model=ListResource[LicenseKeyRead],
    openapi_extra=openapi_parameters(LicenseKeyListQuery),
)
async def list_license_keys(
    request: Request,
    subject: auth.LicenseKeysRead,
    uow: ReadUnitOfWork[LicenseKeyUnitOfWork],
    q: Annotated[LicenseKeyListQuery, list_query(LicenseKeyListQuery)],
) -> Response:
    service = Service(request)
    filters = LicenseKeyFilters(
        organization_ids=q.organization_id or [],
        benefit_ids=q.benefit_id or [],
        statuses=q.status or [],
    )
    page = await service.list(uow, subject, filters=filters, pagination=q.pagination)
    return page_response(page, license_key_wire)


@router.get("/{id}", summary="Get a license key", response_model=LicenseKeyWithActivations)
async def get_license_key(
    request: Request,
    id: UUID4,
    subject: auth.LicenseKeysRead,
    uow: ReadUnitOfWork[LicenseKeyUnitOfWork],
) -> Response:
    service = Service(request)
    return json_response(license_key_with_activations_wire(await service.get(uow, subject, id)))


@router.patch("/{id}", summary="Update a license key", response_model=LicenseKeyRead)
async def update_license_key(
    request: Request,
    id: UUID4,
    body: LicenseKeyUpdate,
    subject: auth.LicenseKeysWrite,
    uow: WriteUnitOfWork[LicenseKeyUnitOfWork],
) -> Response:
    service = Service(request)
    view = await service.update(uow, subject, id, body)
    await uow.commit()
    return json_response(license_key_wire(view))


@router.post("/{id}/rotate", summary="Rotate a license key", response_model=LicenseKeyRead)
async def rotate_license_key(
    request: Request,
    id: UUID4,
    subject: auth.LicenseKeysWrite,
    uow: WriteUnitOfWork[LicenseKeyUnitOfWork],
) -> Response:
    service = Service(request)
    view = await service.rotate(uow, subject, id)
    await uow.commit()
    return json_response(license_key_wire(view))


@router.get(
    "/{id}/activations/{activation_id}",
    summary="Get a license key activation",
    response_model=LicenseKeyActivationRead,
)
async def get_activation(
    request: Request,
    id: UUID4,
    activation_id: UUID4,
    subject: auth.LicenseKeysRead,
    uow: ReadUnitOfWork[LicenseKeyUnitOfWork],
) -> Response:
    service = Service(request)
    view = await service.get_activation(uow, subject, id, activation_id)
    return json_response(activation_read_wire(view))


@router.post("/validate", summary="Validate a license key", response_model=ValidatedLicenseKey)
async def validate(
    request: Request,
    body: LicenseKeyValidate,
    subject: auth.LicenseKeysOrganization,
    uow: WriteUnitOfWork[LicenseKeyUnitOfWork],
) -> Response:
    service = Service(request)
    view = await service.validate(uow, subject, body)
    await uow.commit()
    return json_response(validated_license_key_wire(view))


@router.post("/activate", summary="Activate a license key", response_model=LicenseKeyActivationRead)
async def activate(
    request: Request,
    body: LicenseKeyActivate,
    subject: auth.LicenseKeysOrganization,
    uow: WriteUnitOfWork[LicenseKeyUnitOfWork],
) -> Response:
    service = Service(request)
    view = await service.activate(uow, subject, body)
    await uow.commit()
    return json_response(activation_read_wire(view))


@router.post("/deactivate", summary="Deactivate a license key", status_code=204)
async def deactivate(
    request: Request,
    body: LicenseKeyDeactivate,
    subject: auth.LicenseKeysOrganization,
    uow: WriteUnitOfWork[LicenseKeyUnitOfWork],
) -> Response:
    service = Service(request)
    await service.deactivate(uow, subject, body)
    await uow.commit()
    return Response(status_code=204)


@portal.post("/validate", summary="Validate a license key", response_model=ValidatedLicenseKey)
async def portal_validate(
    request: Request,
    body: LicenseKeyValidate,
    _: auth.KeyHolder,
    uow: WriteUnitOfWork[LicenseKeyUnitOfWork],
) -> Response:
    service = Service(request)
    view = await service.validate(uow, None, body)
    await uow.commit()
    return json_response(validated_license_key_wire(view))


@portal.post("/activate", summary="Activate a license key", response_model=LicenseKeyActivationRead)
async def portal_activate(
    request: Request,
    body: LicenseKeyActivate,
    _: auth.KeyHolder,
    uow: WriteUnitOfWork[LicenseKeyUnitOfWork],
) -> Response:
    service = Service(request)
    view = await service.activate(uow, None, body)
    await uow.commit()
    return json_response(activation_read_wire(view))


@portal.post("/deactivate", summary="Deactivate a license key", status_code=204)
async def portal_deactivate(
    request: Request,
    body: LicenseKeyDeactivate,
    _: auth.KeyHolder,
    uow: WriteUnitOfWork[LicenseKeyUnitOfWork],
) -> Response:
    service = Service(request)
    await service.deactivate(uow, None, body)
    await uow.commit()
    return Response(status_code=204)
