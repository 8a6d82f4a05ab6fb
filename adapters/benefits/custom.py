"""`custom`: anything the merchant describes; the customer sees the note once granted."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from pydantic import StringConstraints

from application.benefit_grants.ports import BenefitGrantUnitOfWork
from application.benefits.ports import BenefitUnitOfWork
from application.kit.inputs import Command, parse_input
from domain.benefit import Benefit
from domain.benefit_grant import BenefitGrant

LOC = ("body", "properties")


class CustomProperties(Command):
    note: Annotated[str, StringConstraints(max_length=10_000)] | None = None


class CustomBenefit:
    type = "custom"

    async def validate_properties(
        self, uow: BenefitUnitOfWork, organization_id: uuid.UUID, properties: Mapping[str, Any]
    ) -> dict[str, Any]:
        parsed = parse_input(CustomProperties, properties, LOC)
        return {"note": parsed.note}

    async def grant(
        self, uow: BenefitGrantUnitOfWork, benefit: Benefit, grant: BenefitGrant, at: datetime
    ) -> dict[str, Any]:
        return {}  # The note is the benefit's: nothing to issue.

    async def revoke(
        self, uow: BenefitGrantUnitOfWork, benefit: Benefit, grant: BenefitGrant, at: datetime
    ) -> dict[str, Any]:
        return {}
