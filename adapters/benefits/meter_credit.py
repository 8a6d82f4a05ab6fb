"""`meter_credit`: units credited on a meter each billing cycle, optionally rolled over.

The meter must be one of the organization's and not archived; another organization's meter is
not found.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from application.benefit_grants.ports import BenefitGrantUnitOfWork
from application.benefits.ports import BenefitUnitOfWork
from application.kit.inputs import Command, parse_input
from application.meters.usage import usable_meters
from domain.benefit import Benefit
from domain.benefit_grant import BenefitGrant
from domain.price import MAX_UNITS

LOC = ("body", "properties")


class MeterCreditProperties(Command):
    units: Annotated[int, Field(ge=1, le=MAX_UNITS)]
    rollover: bool
    meter_id: uuid.UUID


class MeterCreditBenefit:
    type = "meter_credit"

    async def validate_properties(
        self, uow: BenefitUnitOfWork, organization_id: uuid.UUID, properties: Mapping[str, Any]
    ) -> dict[str, Any]:
        parsed = parse_input(MeterCreditProperties, properties, LOC)
        await usable_meters(uow, organization_id, [(parsed.meter_id, (*LOC, "meter_id"))])
        return {
            "units": parsed.units,
            "rollover": parsed.rollover,
            "meter_id": str(parsed.meter_id),
        }

    async def grant(
        self, uow: BenefitGrantUnitOfWork, benefit: Benefit, grant: BenefitGrant, at: datetime
    ) -> dict[str, Any]:
        """Records the credit in the grant (meter events and balances come with usage billing:
        until then the grant's properties are the record of what was credited)."""
        return {
            "last_credited_meter_id": benefit.properties["meter_id"],
            "last_credited_units": benefit.properties["units"],
            "last_credited_at": at.isoformat(),
        }

    async def revoke(
        self, uow: BenefitGrantUnitOfWork, benefit: Benefit, grant: BenefitGrant, at: datetime
    ) -> dict[str, Any]:
        return dict(grant.properties)
