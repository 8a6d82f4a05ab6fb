"""`meter_credit`: units credited on a meter each billing cycle, optionally rolled over.

The meter must be one of the organization's and not archived; another organization's meter is
not found.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field

from application.benefits.ports import BenefitUnitOfWork
from application.kit.inputs import Command, parse_input
from application.meters.usage import usable_meters
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
