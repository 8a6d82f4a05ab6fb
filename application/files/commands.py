"""Inputs of the file use cases (also the request bodies of the HTTP API)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from application.kit.inputs import Command, JsonInt
from domain.file import MAX_PARTS

IMAGE_MIME_TYPE = r"^image/(jpeg|png|gif|webp|svg\+xml)$"
# type/subtype with optional parameters, as in RFC 6838 names.
MIME_TYPE = (
    r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}(;.{0,200})?$"
)

FileName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1024)]
Sha256Base64 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)]
Version = Annotated[str, StringConstraints(max_length=255)]


class FileCreatePart(Command):
    number: Annotated[JsonInt, Field(ge=1, le=MAX_PARTS)]
    chunk_start: Annotated[JsonInt, Field(ge=0)]
    chunk_end: Annotated[JsonInt, Field(ge=0)]
    checksum_sha256_base64: Sha256Base64 | None = None


class FileCreateMultipart(Command):
    parts: Annotated[list[FileCreatePart], Field(min_length=1, max_length=MAX_PARTS)]


class _FileCreate(Command):
    organization_id: uuid.UUID | None = None
    name: FileName
    mime_type: Annotated[str, StringConstraints(pattern=MIME_TYPE)]
    size: Annotated[JsonInt, Field(ge=0)]
    checksum_sha256_base64: Sha256Base64 | None = None
    upload: FileCreateMultipart
    version: Version | None = None


class DownloadableFileCreate(_FileCreate):
    service: Literal["downloadable"]


class ProductMediaFileCreate(_FileCreate):
    service: Literal["product_media"]
    mime_type: Annotated[str, StringConstraints(pattern=IMAGE_MIME_TYPE)]
    size: Annotated[JsonInt, Field(ge=0, le=10 * 1024 * 1024)]


class OrganizationAvatarFileCreate(_FileCreate):
    service: Literal["organization_avatar"]
    mime_type: Annotated[str, StringConstraints(pattern=IMAGE_MIME_TYPE)]
    size: Annotated[JsonInt, Field(ge=0, le=1024 * 1024)]


FileCreate = Annotated[
    DownloadableFileCreate | ProductMediaFileCreate | OrganizationAvatarFileCreate,
    Field(discriminator="service"),
]


class FileUploadCompletedPart(Command):
    number: Annotated[JsonInt, Field(ge=1, le=MAX_PARTS)]
    checksum_etag: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1024)]
    checksum_sha256_base64: Sha256Base64 | None = None


class FileUploadCompleted(Command):
    id: Annotated[str, StringConstraints(max_length=1024)]
    path: Annotated[str, StringConstraints(max_length=1024)]
    parts: Annotated[list[FileUploadCompletedPart], Field(min_length=1, max_length=MAX_PARTS)]


class FilePatch(Command):
    name: FileName | None = None
    version: Version | None = None
