"""ObjectStorage in memory, for the use-case harness: no I/O, the same rules as the real ones.

URLs are `memory://…` and cannot be fetched; tests hand part bytes over with `put_part`.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from application.files.ports import (
    MIN_PART_SIZE,
    PUBLIC_PREFIX,
    CompletedPart,
    MultipartUpload,
    ObjectHead,
    ObjectStorageError,
    PartRange,
    PresignedPart,
    PresignedUrl,
    StoredObject,
    UploadNotFound,
    UploadRejected,
    validate_key,
)
from application.ports import Clock


@dataclass
class _Upload:
    key: str
    mime_type: str
    declared: dict[int, PartRange]
    parts: dict[int, tuple[str, bytes]] = field(default_factory=dict)


class InMemoryObjectStorage:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.objects: dict[str, tuple[str, bytes]] = {}  # key -> (mime type, bytes)
        self.uploads: dict[str, _Upload] = {}

    async def create_multipart_upload(
        self,
        key: str,
        *,
        mime_type: str,
        parts: Sequence[PartRange],
        expires_in: timedelta,
        filename: str | None = None,
    ) -> MultipartUpload:
        validate_key(key)
        upload_id = secrets.token_hex(8)
        self.uploads[upload_id] = _Upload(key, mime_type, {p.number: p for p in parts})
        expires_at = self.clock.now() + expires_in
        return MultipartUpload(
            upload_id=upload_id,
            key=key,
            parts=[
                PresignedPart(
                    number=p.number,
                    start=p.start,
                    end=p.end,
                    url=f"memory://{upload_id}/{p.number}",
                    expires_at=expires_at,
                    sha256_base64=p.sha256_base64,
                )
                for p in parts
            ],
        )

    def put_part(self, upload_id: str, number: int, data: bytes) -> str:
        """What a client's PUT to the part's URL does; returns the ETag."""
        upload = self.uploads.get(upload_id)
        if upload is None:
            raise UploadNotFound("No such upload.")
        declared = upload.declared[number].sha256_base64
        if declared and declared != base64.b64encode(hashlib.sha256(data).digest()).decode():
            raise ObjectStorageError("BadDigest")
        etag = f'"{hashlib.md5(data, usedforsecurity=False).hexdigest()}"'
        upload.parts[number] = (etag, data)
        return etag

    async def complete_multipart_upload(
        self, key: str, upload_id: str, parts: Sequence[CompletedPart]
    ) -> StoredObject:
        upload = self.uploads.get(upload_id)
        if upload is None or upload.key != key:
            raise UploadNotFound("No such upload.")
        if not parts or [p.number for p in parts] != sorted({p.number for p in parts}):
            raise UploadRejected("Parts must be listed once each, in ascending order.")
        chunks = []
        for index, part in enumerate(parts):
            etag, data = upload.parts.get(part.number, ("", b""))
            if part.number not in upload.parts or etag.strip('"') != part.etag.strip().strip('"'):
                raise UploadRejected(f"Part {part.number} was not uploaded with this ETag.")
            if index < len(parts) - 1 and len(data) < MIN_PART_SIZE:
                raise UploadRejected(f"Part {part.number} is too small.")
            chunks.append(data)
        content = b"".join(chunks)
        del self.uploads[upload_id]
        self.objects[key] = (upload.mime_type, content)
        return StoredObject(
            key=key,
            size=len(content),
            sha256_hex=hashlib.sha256(content).hexdigest(),
            etag=f'"{hashlib.md5(content, usedforsecurity=False).hexdigest()}-{len(chunks)}"',
            last_modified_at=self.clock.now(),
        )

    async def abort_multipart_upload(self, key: str, upload_id: str) -> None:
        self.uploads.pop(upload_id, None)

    async def presigned_download_url(
        self,
        key: str,
        *,
        expires_in: timedelta,
        filename: str | None = None,
        mime_type: str | None = None,
    ) -> PresignedUrl:
        validate_key(key)
        return PresignedUrl(url=f"memory://objects/{key}", expires_at=self.clock.now() + expires_in)

    def public_url(self, key: str) -> str:
        if not validate_key(key).startswith(PUBLIC_PREFIX):
            raise ValueError(f"{key!r} is not a public key")
        return f"memory://{key}"

    async def head(self, key: str) -> ObjectHead | None:
        found = self.objects.get(validate_key(key))
        if found is None:
            return None
        return ObjectHead(key=key, size=len(found[1]), mime_type=found[0])

    async def delete(self, key: str) -> None:
        self.objects.pop(validate_key(key), None)
