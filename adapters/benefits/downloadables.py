"""`downloadables`: files the customer may download once granted.

Every file must be a live, fully uploaded `downloadable` file of the benefit's organization.
A file id from another organization (or unknown, or deleted) is not found. `archived` marks
files kept for customers who already had them but no longer offered to new ones.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field

from application.kit.errors import FieldError, ResourceNotFound, ValidationFailed
from application.kit.inputs import Command, parse_input
from application.uow import UnitOfWork
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
        self, uow: UnitOfWork, organization_id: uuid.UUID, properties: Mapping[str, Any]
    ) -> dict[str, Any]:
        parsed = parse_input(DownloadablesProperties, properties, LOC)
        errors: list[FieldError] = []
        seen: set[uuid.UUID] = set()
        for index, file_id in enumerate(parsed.files):
            loc = (*LOC, "files", index)
            if file_id in seen:
                errors.append(FieldError(loc, "This file is listed twice.", input=str(file_id)))
                continue
            seen.add(file_id)
            file = await uow.files.get_including_deleted(file_id)
            if file is None or file.is_deleted or file.organization_id != organization_id:
                raise ResourceNotFound(f"File {file_id} not found.")
            if file.service is not FileService.downloadable:
                errors.append(
                    FieldError(
                        loc,
                        "Only files uploaded as downloadable can be granted.",
                        input=str(file_id),
                    )
                )
            elif not file.is_uploaded:
                errors.append(
                    FieldError(loc, "This file's upload is not complete.", input=str(file_id))
                )
        for file_id in parsed.archived:
            if file_id not in seen:
                errors.append(
                    FieldError(
                        (*LOC, "archived", str(file_id)),
                        "Only files of this benefit can be archived.",
                        input=str(file_id),
                    )
                )
        if errors:
            raise ValidationFailed(errors)
        return {
            "archived": {str(k): v for k, v in parsed.archived.items()},
            "files": [str(f) for f in parsed.files],
        }
