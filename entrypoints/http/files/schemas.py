"""Wire format of files (Polar's `FileRead` variants, `FileUpload`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import UUID4

from application.files.ports import MultipartUpload
from domain.file import File, human_readable_size
from entrypoints.http.kit.responses import Wire, wire_format
from entrypoints.http.kit.schemas import Schema


class _FileFields(Schema):
    id: UUID4
    organization_id: UUID4
    name: str
    path: str
    mime_type: str
    size: int
    storage_version: str | None
    checksum_etag: str | None
    checksum_sha256_base64: str | None
    checksum_sha256_hex: str | None
    last_modified_at: datetime | None
    version: str | None
    is_uploaded: bool
    size_readable: str


def _fields(file: File) -> Wire:
    return {
        "id": file.id,
        "organization_id": file.organization_id,
        "name": file.name,
        "path": file.path,
        "mime_type": file.mime_type,
        "size": file.size,
        "storage_version": file.storage_version,
        "checksum_etag": file.checksum_etag,
        "checksum_sha256_base64": file.checksum_sha256_base64,
        "checksum_sha256_hex": file.checksum_sha256_hex,
        "last_modified_at": file.last_modified_at,
        "version": file.version,
        "is_uploaded": file.is_uploaded,
        "size_readable": human_readable_size(file.size),
    }


class DownloadableFileRead(_FileFields):
    service: Literal["downloadable"]
    created_at: datetime
    flagged_malicious_at: datetime | None


class PublicFileRead(_FileFields):
    """`ProductMediaFileRead` and `OrganizationAvatarFileRead`."""

    service: Literal["product_media", "organization_avatar"]
    created_at: datetime
    public_url: str


FileRead = DownloadableFileRead | PublicFileRead


@wire_format(PublicFileRead)
def public_file_wire(file: File, public_url: str) -> Wire:
    """A product media or avatar file's wire document, in PublicFileRead's field order."""
    return {
        **_fields(file),
        "service": file.service.value,
        "created_at": file.created_at,
        "public_url": public_url,
    }


def file_read(file: File, public_url: str | None) -> FileRead:
    if public_url is None:
        return DownloadableFileRead(
            **_fields(file),
            service="downloadable",
            created_at=file.created_at,
            flagged_malicious_at=None,
        )
    return PublicFileRead.model_validate(public_file_wire(file, public_url))


class UploadPart(Schema):
    number: int
    chunk_start: int
    chunk_end: int
    checksum_sha256_base64: str | None
    url: str
    expires_at: datetime
    headers: dict[str, str]


class UploadMultipart(Schema):
    id: str
    path: str
    parts: list[UploadPart]


class FileUpload(_FileFields):
    service: Literal["downloadable", "product_media", "organization_avatar"]
    upload: UploadMultipart

    @classmethod
    def of(cls, file: File, upload: MultipartUpload) -> FileUpload:
        return cls(
            **_fields(file),
            service=file.service.value,
            upload=UploadMultipart(
                id=upload.upload_id,
                path=upload.key,
                parts=[
                    UploadPart(
                        number=p.number,
                        chunk_start=p.start,
                        chunk_end=p.end,
                        checksum_sha256_base64=p.sha256_base64,
                        url=p.url,
                        expires_at=p.expires_at,
                        headers=dict(p.headers),
                    )
                    for p in upload.parts
                ],
            ),
        )
