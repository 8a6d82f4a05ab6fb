"""Ports of the files module. The object storage port: where file bytes live (S3, MinIO, R2,
or the local filesystem).

Clients never send file bytes through the JSON API. The server opens a multipart upload and
hands out one presigned URL per part; the client PUTs each part's bytes to its URL and keeps the
`ETag` header of each answer; the server completes the upload with those ETags. Downloads work
the same way: a presigned, expiring GET URL.

Every adapter keeps the contract written on `ObjectStorage`; `tests/contract/
test_object_storage.py` runs one suite against each of them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import quote

from application.auth import AuthSubject
from application.kit.pagination import Page, PaginationParams
from application.organizations.ports import TenancyUnitOfWork
from domain.file import MAX_PART_SIZE as MAX_PART_SIZE
from domain.file import MAX_PARTS as MAX_PARTS
from domain.file import MIN_PART_SIZE as MIN_PART_SIZE
from domain.file import File

# Keys of objects anyone may read (product media, avatars) start with this prefix.
PUBLIC_PREFIX = "public/"
# SigV4 presigned URLs live at most 7 days; every adapter keeps the same bound.
MAX_URL_LIFETIME = timedelta(days=7)

_KEY_SEGMENT = re.compile(r"[A-Za-z0-9._-]{1,255}")


def validate_key(key: str) -> str:
    """`key` if it is a safe object key (see ObjectStorage), else ValueError."""
    segments = key.split("/")
    if len(key) > 1024 or not all(
        _KEY_SEGMENT.fullmatch(s) and s not in (".", "..") for s in segments
    ):
        raise ValueError(f"invalid object key: {key!r}")
    return key


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the exact name in RFC 5987 form."""
    fallback = filename.encode("ascii", "ignore").decode().replace('"', "").replace("\\", "")
    return f"attachment; filename=\"{fallback or 'download'}\"; filename*=UTF-8''{quote(filename)}"


@dataclass(frozen=True)
class PartRange:
    """A part the client will upload: bytes [start, end) of the file, numbered from 1."""

    number: int
    start: int
    end: int
    # The part's SHA-256, base64; when given, the storage refuses a part whose bytes differ.
    sha256_base64: str | None = None

    @property
    def size(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class PresignedPart:
    number: int
    start: int
    end: int
    url: str
    expires_at: datetime
    # Headers the client must send with its PUT (they are part of the signature).
    headers: Mapping[str, str] = field(default_factory=dict)
    sha256_base64: str | None = None


@dataclass(frozen=True)
class MultipartUpload:
    upload_id: str
    key: str
    parts: Sequence[PresignedPart]


@dataclass(frozen=True)
class CompletedPart:
    """A part the client uploaded: its number and the ETag the storage answered with."""

    number: int
    etag: str
    sha256_base64: str | None = None


@dataclass(frozen=True)
class StoredObject:
    """An object as stored once its upload is complete."""

    key: str
    size: int
    # SHA-256 of the whole object's bytes, computed by the storage side (never the client's).
    sha256_hex: str
    etag: str | None = None
    version: str | None = None
    last_modified_at: datetime | None = None


@dataclass(frozen=True)
class ObjectHead:
    key: str
    size: int
    mime_type: str | None
    etag: str | None = None
    last_modified_at: datetime | None = None


@dataclass(frozen=True)
class PresignedUrl:
    url: str
    expires_at: datetime
    headers: Mapping[str, str] = field(default_factory=dict)


class ObjectStorageError(Exception):
    """The storage failed or refused; `detail` is safe to show to the client."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class UploadNotFound(ObjectStorageError):
    """No open multipart upload has this id for this key (never opened, completed or aborted)."""


class UploadRejected(ObjectStorageError):
    """The parts named at completion do not make a valid upload: a part is missing or was not
    uploaded, an ETag does not match, parts are out of order, or a non-final part is too small."""


class ObjectStorage(Protocol):
    """Object storage with presigned, expiring URLs. The contract every adapter keeps:

    - Keys are relative paths of `[A-Za-z0-9._-]` segments joined by `/`; an adapter refuses
      anything else (ValueError) rather than writing outside its bucket or directory.
    - A presigned URL works with plain HTTP and no other credential until `expires_at`, and is
      refused (HTTP 403) afterwards or when any part of it was altered.
    - A part PUT answers 200 with an `ETag` header; the same ETag completes the upload.
    - Part numbers start at 1. Every part but the last must be at least `MIN_PART_SIZE` bytes
      (S3's rule, kept everywhere so that an upload valid on one adapter is valid on all).
    - An object is visible (head, download) only once its upload is complete; completing
      computes the object's size and SHA-256 from the stored bytes.
    - Deleting is idempotent: deleting a missing object or an aborted upload is not an error.
    """

    async def create_multipart_upload(
        self,
        key: str,
        *,
        mime_type: str,
        parts: Sequence[PartRange],
        expires_in: timedelta,
        filename: str | None = None,
    ) -> MultipartUpload:
        """Open an upload for `key` and presign a PUT URL per part, valid for `expires_in`.

        When parts carry a SHA-256, each part's bytes are checked against it at upload time.
        `filename` becomes the object's download name (Content-Disposition).
        """
        ...

    async def complete_multipart_upload(
        self, key: str, upload_id: str, parts: Sequence[CompletedPart]
    ) -> StoredObject:
        """Assemble the uploaded parts (in number order) into the object at `key`.

        Raises UploadNotFound when the upload is not open, UploadRejected when the parts do not
        make a valid upload; in both cases no object is created.
        """
        ...

    async def abort_multipart_upload(self, key: str, upload_id: str) -> None:
        """Discard an upload and the parts sent so far. Aborting twice is not an error."""
        ...

    async def presigned_download_url(
        self,
        key: str,
        *,
        expires_in: timedelta,
        filename: str | None = None,
        mime_type: str | None = None,
    ) -> PresignedUrl:
        """A GET URL for the object, valid for `expires_in`, answering with `filename` as the
        attachment name and `mime_type` as Content-Type when given. It is not checked here
        that the object exists: a URL to a missing object answers 404 (or 403, as S3 does for
        a signer who may not list the bucket)."""
        ...

    def public_url(self, key: str) -> str:
        """A URL that serves the object to anyone, without expiry. Only for keys under
        PUBLIC_PREFIX (ValueError otherwise)."""
        ...

    async def head(self, key: str) -> ObjectHead | None:
        """The object's size and type, or None when there is no such (complete) object."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object. Deleting a missing object is not an error."""
        ...


class FileRepository(Protocol):
    """Files. Every lookup ignores soft-deleted rows unless its name says otherwise."""

    async def get_readable(self, subject: AuthSubject, id: uuid.UUID) -> File | None:
        """The file if `subject` may read its organization (a member user, or the organization)."""
        ...

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        organization_ids: Sequence[uuid.UUID] | None = None,
        ids: Sequence[uuid.UUID] | None = None,
        pagination: PaginationParams,
    ) -> Page[File]:
        """Newest first (ties by id); empty filters mean no filter."""
        ...

    async def get_including_deleted(self, id: uuid.UUID) -> File | None:
        """The file even when soft-deleted (for the jobs that clean up after it)."""
        ...

    async def get_many(self, ids: Sequence[uuid.UUID]) -> list[File]:
        """The live files among `ids`, whatever their organization, in no particular order."""
        ...

    async def create(self, file: File) -> File: ...

    async def update(self, file: File, changes: dict[str, Any] | None = None) -> File:
        """Apply `changes`, stamp `modified_at`, persist the whole entity."""
        ...


class FileUnitOfWork(TenancyUnitOfWork, Protocol):
    files: FileRepository
