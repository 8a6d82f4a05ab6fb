"""`license_keys`: a key per customer, optionally prefixed, expiring, with activation and
usage limits. Keys themselves are issued when the benefit is granted (license keys module)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from application.benefit_grants.ports import BenefitGrantUnitOfWork
from application.benefits.ports import BenefitUnitOfWork
from application.kit.inputs import Command, parse_input
from domain.benefit import Benefit
from domain.benefit_grant import BenefitGrant
from domain.license_key import LicenseKey, LicenseKeyStatus, expiry, generate_key

LOC = ("body", "properties")
MAX_ACTIVATIONS = 50
MAX_TTL = 1_000
MAX_USAGE = 2_147_483_647


class Expiration(Command):
    ttl: Annotated[int, Field(ge=1, le=MAX_TTL)]
    timeframe: Literal["year", "month", "day"]


class Activations(Command):
    limit: Annotated[int, Field(ge=1, le=MAX_ACTIVATIONS)]
    enable_customer_admin: bool


class LicenseKeysProperties(Command):
    # Letters, digits and dashes, so that the key stays easy to copy; "" means no prefix.
    prefix: (
        Annotated[
            str, StringConstraints(strip_whitespace=True, max_length=32, pattern=r"^[A-Za-z0-9-]*$")
        ]
        | None
    ) = None
    expires: Expiration | None = None
    activations: Activations | None = None
    limit_usage: Annotated[int, Field(ge=1, le=MAX_USAGE)] | None = None


class LicenseKeysBenefit:
    type = "license_keys"

    async def validate_properties(
        self, uow: BenefitUnitOfWork, organization_id: uuid.UUID, properties: Mapping[str, Any]
    ) -> dict[str, Any]:
        parsed = parse_input(LicenseKeysProperties, properties, LOC)
        return {
            "prefix": parsed.prefix or None,
            "expires": None if parsed.expires is None else parsed.expires.model_dump(),
            "activations": None if parsed.activations is None else parsed.activations.model_dump(),
            "limit_usage": parsed.limit_usage,
        }

    async def grant(
        self, uow: BenefitGrantUnitOfWork, benefit: Benefit, grant: BenefitGrant, at: datetime
    ) -> dict[str, Any]:
        """Issues the customer's key; a re-grant grants the key it issued before again, with
        the benefit's current limits and an expiry counted from now (as Polar does: a
        subscription that comes back gets its full term again)."""
        props = benefit.properties
        expires = props.get("expires")
        activations = props.get("activations")
        limits: dict[str, Any] = {
            "limit_usage": props.get("limit_usage"),
            "limit_activations": None if activations is None else activations["limit"],
            "expires_at": None
            if expires is None
            else expiry(at, expires["ttl"], expires["timeframe"]),
        }
        key: LicenseKey | None = None
        key_id = grant.properties.get("license_key_id")
        if key_id is not None:
            key = await uow.license_keys.get(uuid.UUID(key_id), lock=True)
        if key is None:
            key = LicenseKey(
                created_at=at,
                organization_id=benefit.organization_id,
                customer_id=grant.customer_id,
                benefit_id=benefit.id,
                key=generate_key(props.get("prefix")),
                **limits,
            )
            await uow.license_keys.create(key)
        else:
            await uow.license_keys.update(key, {"status": LicenseKeyStatus.granted, **limits})
        return {"license_key_id": str(key.id), "display_key": key.display_key}

    async def revoke(
        self, uow: BenefitGrantUnitOfWork, benefit: Benefit, grant: BenefitGrant, at: datetime
    ) -> dict[str, Any]:
        key_id = grant.properties.get("license_key_id")
        if key_id is not None:
            key = await uow.license_keys.get(uuid.UUID(key_id), lock=True)
            if key is not None:
                await uow.license_keys.update(key, {"status": LicenseKeyStatus.revoked})
        return dict(grant.properties)
