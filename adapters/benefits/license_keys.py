"""`license_keys`: a key per customer, optionally prefixed, expiring, with activation and
usage limits. Keys themselves are issued when the benefit is granted (license keys module)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from application.benefits.ports import BenefitUnitOfWork
from application.kit.inputs import Command, parse_input

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
