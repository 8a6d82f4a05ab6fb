"""`downloadables`: files the customer may download once granted.

Every file must be a live, fully uploaded `downloadable` file of the benefit's organization.
A file id from another organization (or unknown, or deleted) is not found. `archived` marks
files kept for customers who already had them but no longer offered to new ones.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from application.benefit_grants.ports import BenefitGrantUnitOfWork
from application.benefits.ports import BenefitUnitOfWork
from application.files.usage import usable_files
from application.kit.errors import FieldError, ValidationFailed
from application.kit.inputs import Command, parse_input
from domain.benefit import Benefit
from domain.benefit_grant import BenefitGrant
from domain.file import FileService

LOC = ("body", "properties")
MAX_FILES = 100


class DownloadablesProperties(Command):
    archived: Annotated[dict[uuid.UUID, bool], Field(max_length=MAX_FILES)] = Field(
        default_factory=dict
    )
    files: Annotated[list[uuid.UUID], Field(min_length=1, max_length=MAX_FILES)]


class DownloadablesBenefit:
    type = "downloadables"

    async def validate_properties(
        self, uow: BenefitUnitOfWork, organization_id: uuid.UUID, properties: Mapping[str, Any]
    ) -> dict[str, Any]:
        parsed = parse_input(DownloadablesProperties, properties, LOC)
        await usable_files(
            uow,
            organization_id,
            parsed.files,
            service=FileService.downloadable,
            loc=(*LOC, "files"),
        )
        errors = [
            FieldError(
                (*LOC, "archived", str(file_id)),
                "Only files of this benefit can be archived.",
                input=str(file_id),
            )
            for file_id in parsed.archived
            if file_id not in parsed.files
        ]
        if errors:
            raise ValidationFailed(errors)
        return {
            "archived": {str(k): v for k, v in parsed.archived.items()},
            "files": [str(f) for f in parsed.files],
        }

    async def grant(
        self, uow: BenefitGrantUnitOfWork, benefit: Benefit, grant: BenefitGrant, at: datetime
    ) -> dict[str, Any]:
        """The files offered (not archived) when granted; a re-grant keeps those it had."""
        archived = benefit.properties.get("archived", {})
        offered = [f for f in benefit.properties.get("files", []) if not archived.get(f)]
        kept = [f for f in grant.properties.get("files", []) if f not in offered]
        return {"files": [*offered, *kept]}

    async def revoke(
        self, uow: BenefitGrantUnitOfWork, benefit: Benefit, grant: BenefitGrant, at: datetime
    ) -> dict[str, Any]:
        return {"files": []}
