"""Files other records point at (a product's media, a downloadables benefit's files)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Protocol

from application.files.ports import FileRepository
from application.kit.errors import FieldError, ResourceNotFound, ValidationFailed
from domain.file import File, FileService


class _Reads(Protocol):
    files: FileRepository


async def usable_files(
    uow: _Reads,
    organization_id: uuid.UUID,
    file_ids: Sequence[uuid.UUID],
    *,
    service: FileService,
    loc: tuple[str | int, ...],
) -> list[File]:
    """The files of `file_ids`, in order, each checked: a live, fully uploaded file of
    `organization_id` uploaded for `service`.

    An unknown, deleted or other organization's file is not found (ResourceNotFound). A file
    listed twice, of another service, or whose upload is not complete is a ValidationFailed
    located at `(*loc, index)`.
    """
    errors: list[FieldError] = []
    found: list[File] = []
    seen: set[uuid.UUID] = set()
    # One statement for all of them.
    live = {f.id: f for f in await uow.files.get_many(list(dict.fromkeys(file_ids)))}
    for index, file_id in enumerate(file_ids):
        at = (*loc, index)
        if file_id in seen:
            errors.append(FieldError(at, "This file is listed twice.", input=str(file_id)))
            continue
        seen.add(file_id)
        file = live.get(file_id)
        if file is None or file.organization_id != organization_id:
            raise ResourceNotFound(f"File {file_id} not found.")
        if file.service is not service:
            message = f"Only files uploaded as {service.value} can be used here."
            errors.append(FieldError(at, message, input=str(file_id)))
        elif not file.is_uploaded:
            errors.append(FieldError(at, "This file's upload is not complete.", str(file_id)))
        found.append(file)
    if errors:
        raise ValidationFailed(errors)
    return found
