"""Files: bytes in object storage that serve downloadable benefits, product media and avatars.

A file is created with the size and (optionally) the SHA-256 its client declares, and the layout
of the parts it will upload. It becomes usable (`is_uploaded`) only once the upload completed
and the stored bytes matched what was declared; a mismatch leaves it failed for good.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from domain.base import Entity
from domain.errors import InvalidTransition, InvariantViolation

# Multipart rules (S3's, kept by every storage): every part but the last has at least
# MIN_PART_SIZE bytes, none more than MAX_PART_SIZE, at most MAX_PARTS parts.
MIN_PART_SIZE = 5 * 1024 * 1024
MAX_PART_SIZE = 5 * 1024 * 1024 * 1024
MAX_PARTS = 10_000


class FileService(StrEnum):
    downloadable = "downloadable"
    product_media = "product_media"
    organization_avatar = "organization_avatar"

    @property
    def is_public(self) -> bool:
        """Product media and avatars are shown to anyone; downloadables only by signed URL."""
        return self is not FileService.downloadable


class UploadState(StrEnum):
    pending = "pending"  # created; parts are being uploaded
    uploaded = "uploaded"  # complete and verified: usable
    failed = "failed"  # the stored bytes did not match the declared size or checksum


@dataclass(frozen=True)
class Part:
    number: int
    start: int
    end: int  # exclusive

    @property
    def size(self) -> int:
        return self.end - self.start


def validate_parts(size: int, parts: Sequence[Part]) -> None:
    """Parts numbered 1…N in order, covering bytes [0, size) without gap or overlap."""
    if not 1 <= len(parts) <= MAX_PARTS:
        raise InvariantViolation("upload", f"An upload has 1 to {MAX_PARTS} parts.")
    position = 0
    for index, part in enumerate(parts):
        if part.number != index + 1:
            raise InvariantViolation("upload", "Parts must be numbered 1, 2, 3… in order.")
        if part.start != position or part.end < part.start:
            raise InvariantViolation(
                "upload",
                f"Part {part.number} must start at byte {position}, where the previous one ends.",
            )
        last = index == len(parts) - 1
        if not last and part.size < MIN_PART_SIZE:
            raise InvariantViolation(
                "upload", f"Every part but the last must be at least {MIN_PART_SIZE} bytes."
            )
        if part.size > MAX_PART_SIZE:
            raise InvariantViolation("upload", f"A part is at most {MAX_PART_SIZE} bytes.")
        position = part.end
    if position != size:
        raise InvariantViolation(
            "upload", f"The parts cover {position} bytes, but the file is {size} bytes."
        )


def sha256_hex_of(base64_digest: str) -> str:
    """The hex form of a base64 SHA-256 digest; InvariantViolation when it is not one."""
    try:
        raw = base64.b64decode(base64_digest, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise InvariantViolation(
            "checksum_sha256_base64", "Expected the base64 encoding of a SHA-256 digest."
        )
    return raw.hex()


def sha256_base64_of(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


class UploadMismatch(InvariantViolation):
    """The stored bytes are not the ones the client declared."""


@dataclass(kw_only=True)
class File(Entity):
    organization_id: uuid.UUID
    name: str
    mime_type: str
    size: int
    service: FileService
    # The object's key in storage (the wire format calls it `path`).
    path: str
    version: str | None = None
    upload_id: str | None = None
    upload_state: UploadState = UploadState.pending
    # Declared by the client at creation, or computed from the bytes at completion.
    checksum_sha256_base64: str | None = None
    checksum_sha256_hex: str | None = None
    checksum_etag: str | None = None
    storage_version: str | None = None
    last_modified_at: datetime | None = None

    NAME_MAX_LENGTH: ClassVar[int] = 1024

    @property
    def is_uploaded(self) -> bool:
        return self.upload_state is UploadState.uploaded

    def rename(self, name: str) -> None:
        self.name = validate_file_name(name)

    def complete(
        self,
        *,
        size: int,
        sha256_hex: str,
        etag: str | None,
        storage_version: str | None,
        last_modified_at: datetime | None,
    ) -> None:
        """Record the stored object. Raises UploadMismatch (and leaves the file failed) when
        its size or SHA-256 differs from what the client declared."""
        if self.upload_state is not UploadState.pending:
            raise InvalidTransition("file", self.upload_state.value, UploadState.uploaded.value)
        problems = []
        if size != self.size:
            problems.append(f"The uploaded file is {size} bytes, {self.size} were declared.")
        if self.checksum_sha256_hex is not None and sha256_hex != self.checksum_sha256_hex:
            problems.append(
                "The uploaded file's SHA-256 differs from the declared checksum_sha256_base64."
            )
        if problems:
            self.upload_state = UploadState.failed
            raise UploadMismatch("upload", " ".join(problems))
        self.checksum_sha256_hex = sha256_hex
        self.checksum_sha256_base64 = sha256_base64_of(sha256_hex)
        self.checksum_etag = etag
        self.storage_version = storage_version
        self.last_modified_at = last_modified_at
        self.upload_state = UploadState.uploaded


def validate_file_name(name: str) -> str:
    stripped = name.strip()
    if not stripped:
        raise InvariantViolation("name", "Name cannot be empty.")
    if len(stripped) > File.NAME_MAX_LENGTH:
        raise InvariantViolation("name", f"Name must be at most {File.NAME_MAX_LENGTH} characters.")
    return stripped


def human_readable_size(size: int) -> str:
    """`1.5 MB`-style sizes, in powers of 1024, as Polar writes them."""
    value = float(size)
    for unit in ("", "K", "M", "G", "T", "P", "E", "Z"):
        if abs(value) < 1024.0:
            return f"{value:3.1f} {unit}B"
        value /= 1024.0
    return f"{value:.1f} YB"
