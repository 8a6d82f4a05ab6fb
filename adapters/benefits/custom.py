"""`custom`: anything the merchant describes; the customer sees the note once granted."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import StringConstraints

from application.benefits.ports import BenefitUnitOfWork
from application.kit.inputs import Command, parse_input

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
