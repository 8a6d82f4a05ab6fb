"""File use cases: open an upload, complete it, list, rename, delete; and the clean-up job."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from application.auth import AuthSubject
from application.files.commands import FileCreate, FilePatch, FileUploadCompleted
from application.files.ports import (
    PUBLIC_PREFIX,
    CompletedPart,
    FileUnitOfWork,
    MultipartUpload,
    ObjectStorage,
    PartRange,
    PresignedUrl,
    UploadNotFound,
    UploadRejected,
)
from application.kit.errors import ResourceNotFound, ValidationFailed, invariants_as_validation
from application.kit.pagination import Page, PaginationParams
from application.kit.tenancy import target_organization
from application.ports import Clock
from domain.file import (
    File,
    FileService,
    Part,
    UploadMismatch,
    UploadState,
    sha256_hex_of,
    validate_file_name,
    validate_parts,
)

FILE_DELETED = "file.deleted"

log = logging.getLogger("meridian.files")

_EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,16})$")


def _extension(name: str) -> str:
    match = _EXTENSION.search(name)
    return f".{match.group(1).lower()}" if match else ""


@dataclass(frozen=True)
class Completion:
    """The outcome of completing an upload. With `error`, the file is now failed: the boundary
    commits that state, then answers with the error."""

    file: File
    error: ValidationFailed | None = None


class FileUseCases:
    def __init__(
        self,
        clock: Clock,
        storage: ObjectStorage,
        *,
        max_size: int,
        url_ttl: timedelta = timedelta(hours=1),
    ) -> None:
        self.clock = clock
        self.storage = storage
        self.max_size = max_size
        self.url_ttl = url_ttl

    async def create(
        self, uow: FileUnitOfWork, subject: AuthSubject, command: FileCreate
    ) -> tuple[File, MultipartUpload]:
        """Record a pending file and open its multipart upload: one presigned URL per part."""
        organization = await target_organization(uow, subject, command.organization_id)
        if command.size > self.max_size:
            raise ValidationFailed.single(
                ("body", "size"),
                f"Files are limited to {self.max_size} bytes on this server.",
                command.size,
            )
        with invariants_as_validation(fields={"upload": "upload.parts"}):
            name = validate_file_name(command.name)
            validate_parts(
                command.size,
                [Part(p.number, p.chunk_start, p.chunk_end) for p in command.upload.parts],
            )
        sha256_hex = None
        if command.checksum_sha256_base64:
            with invariants_as_validation():
                sha256_hex = sha256_hex_of(command.checksum_sha256_base64)
        part_checksums = [p.checksum_sha256_base64 for p in command.upload.parts]
        if any(part_checksums) and not all(part_checksums):
            raise ValidationFailed.single(
                ("body", "upload", "parts"),
                "Give checksum_sha256_base64 for every part or for none.",
            )
        for index, checksum in enumerate(part_checksums):
            if checksum:
                loc = ("body", "upload", "parts", index, "checksum_sha256_base64")
                with invariants_as_validation(at=loc):
                    sha256_hex_of(checksum)

        service = FileService(command.service)
        id = uuid.uuid4()
        prefix = PUBLIC_PREFIX if service.is_public else ""
        file = File(
            id=id,
            created_at=self.clock.now(),
            organization_id=organization.id,
            name=name,
            mime_type=command.mime_type,
            size=command.size,
            service=service,
            path=f"{prefix}{organization.id}/{id}{_extension(name)}",
            version=command.version,
            checksum_sha256_base64=command.checksum_sha256_base64 or None,
            checksum_sha256_hex=sha256_hex,
        )
        upload = await self.storage.create_multipart_upload(
            file.path,
            mime_type=file.mime_type,
            parts=[
                PartRange(p.number, p.chunk_start, p.chunk_end, p.checksum_sha256_base64 or None)
                for p in command.upload.parts
            ],
            expires_in=self.url_ttl,
            filename=file.name,
        )
        file.upload_id = upload.upload_id
        await uow.files.create(file)
        return file, upload

    async def complete(
        self, uow: FileUnitOfWork, subject: AuthSubject, id: uuid.UUID, command: FileUploadCompleted
    ) -> Completion:
        """Complete the upload with the parts' ETags and verify the stored bytes against the
        declared size and checksum. Completing an uploaded file again returns it unchanged."""
        file = await self.get(uow, subject, id)
        if file.is_uploaded:
            return Completion(file)
        if file.upload_state is UploadState.failed:
            raise ValidationFailed.single(
                ("body",), "This file failed verification; create it again and re-upload it."
            )
        if command.id != file.upload_id or command.path != file.path:
            raise ValidationFailed.single(
                ("body", "id"), "The upload id and path must be the ones the file was created with."
            )
        assert file.upload_id is not None
        parts = [
            CompletedPart(p.number, p.checksum_etag, p.checksum_sha256_base64 or None)
            for p in command.parts
        ]
        try:
            stored = await self.storage.complete_multipart_upload(file.path, file.upload_id, parts)
        except (UploadRejected, UploadNotFound) as error:
            raise ValidationFailed.single(("body", "parts"), error.detail) from error
        try:
            file.complete(
                size=stored.size,
                sha256_hex=stored.sha256_hex,
                etag=stored.etag,
                storage_version=stored.version,
                last_modified_at=stored.last_modified_at,
            )
        except UploadMismatch as error:
            # The bytes are not the declared ones: nobody may use them.
            await uow.files.update(file)
            await self.storage.delete(file.path)
            return Completion(file, ValidationFailed.single(("body", "parts"), error.message))
        await uow.files.update(file)
        return Completion(file)

    async def get(self, uow: FileUnitOfWork, subject: AuthSubject, id: uuid.UUID) -> File:
        file = await uow.files.get_readable(subject, id)
        if file is None:
            raise ResourceNotFound("File not found.")
        return file

    async def list(
        self,
        uow: FileUnitOfWork,
        subject: AuthSubject,
        *,
        organization_ids: Sequence[uuid.UUID] | None = None,
        ids: Sequence[uuid.UUID] | None = None,
        pagination: PaginationParams,
    ) -> Page[File]:
        return await uow.files.list_readable(
            subject, organization_ids=organization_ids, ids=ids, pagination=pagination
        )

    async def update(
        self, uow: FileUnitOfWork, subject: AuthSubject, id: uuid.UUID, command: FilePatch
    ) -> File:
        file = await self.get(uow, subject, id)
        changes: dict[str, object] = {}
        if command.name is not None:
            with invariants_as_validation():
                changes["name"] = validate_file_name(command.name)
        if command.version is not None:
            changes["version"] = command.version
        if not changes:
            return file
        return await uow.files.update(file, changes)

    async def delete(self, uow: FileUnitOfWork, subject: AuthSubject, id: uuid.UUID) -> None:
        """Soft-delete; the `file.deleted` job removes the stored object."""
        file = await self.get(uow, subject, id)
        file.soft_delete(self.clock.now())
        await uow.files.update(file)
        uow.enqueue(FILE_DELETED, file_id=str(file.id))

    async def on_deleted(self, uow: FileUnitOfWork, file_id: uuid.UUID) -> bool:
        """Job: remove a deleted file's object (and its upload, if never completed).

        Safe to run twice; does nothing for a file that is not deleted. True when it removed.
        """
        file = await uow.files.get_including_deleted(file_id)
        if file is None or not file.is_deleted:
            return False
        if file.upload_id is not None and file.upload_state is UploadState.pending:
            await self.storage.abort_multipart_upload(file.path, file.upload_id)
        await self.storage.delete(file.path)
        log.info("file %s deleted: object %s removed", file.id, file.path)
        return True

    def public_url(self, file: File) -> str | None:
        """Where anyone can fetch a product media file or an avatar; None for downloadables."""
        return self.storage.public_url(file.path) if file.service.is_public else None

    async def download_url(self, file: File) -> PresignedUrl:
        """A signed, expiring download URL, named after the file (downloadable benefits)."""
        if not file.is_uploaded:
            raise ResourceNotFound("File not found.")
        return await self.storage.presigned_download_url(
            file.path, expires_in=self.url_ttl, filename=file.name, mime_type=file.mime_type
        )
