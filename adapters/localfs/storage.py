"""ObjectStorage on the local filesystem, with URLs signed by the server secret.

The API serves the URLs itself (`entrypoints/http/storage.py`): a part PUT and a download GET
carry `expires` (Unix seconds) and `signature` (HMAC-SHA256 keyed by the server secret over the
method, the target and the expiry), and are refused once expired or altered.

Layout under `root`:

- `objects/<key>`: a complete object; `meta/<key>.json`: its type, name, size, ETag, SHA-256;
- `uploads/<upload id>/manifest.json`: an open upload (key, type, declared parts);
  `uploads/<upload id>/<n>.part` and `<n>.json`: part n's bytes, ETag, size and SHA-256.

Files are written under a temporary name and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from application.files.ports import (
    MAX_URL_LIFETIME,
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

CHUNK = 1024 * 1024
_UPLOAD_ID_LENGTH = 32


class AccessDenied(ObjectStorageError):
    """The URL's signature does not match, or the URL has expired."""


class PartRefused(ObjectStorageError):
    """A part's bytes do not match what was declared (length or SHA-256)."""


class ObjectMissing(ObjectStorageError):
    pass


@dataclass(frozen=True)
class Download:
    """What the download route serves."""

    path: Path
    size: int
    mime_type: str
    etag: str | None
    filename: str | None


def _etag(raw: str) -> str:
    return raw.strip().strip('"')


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


class LocalObjectStorage:
    def __init__(self, root: Path, base_url: str, secret: str, clock: Clock) -> None:
        self.root = root
        self.base_url = base_url.rstrip("/")
        self.clock = clock
        # A key of its own, derived from the server secret: storage URLs and token digests
        # never share a key.
        self._key = hmac.new(secret.encode(), b"meridian-local-storage", hashlib.sha256).digest()

    # Paths

    def _object(self, key: str) -> Path:
        return self.root / "objects" / validate_key(key)

    def _meta(self, key: str) -> Path:
        return self.root / "meta" / f"{validate_key(key)}.json"

    def _upload(self, upload_id: str) -> Path:
        if len(upload_id) != _UPLOAD_ID_LENGTH or not upload_id.isalnum():
            raise UploadNotFound("No such upload.")
        return self.root / "uploads" / upload_id

    # Signing

    def _sign(self, *fields: str) -> str:
        message = "\n".join(fields).encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def _expiry(self, expires_in: timedelta) -> datetime:
        if not timedelta(0) < expires_in <= MAX_URL_LIFETIME:
            raise ValueError(f"URL lifetime must be within (0, {MAX_URL_LIFETIME}]")
        # Whole seconds, rounded up: the URL carries an integer.
        seconds = int((self.clock.now() + expires_in).timestamp() + 0.999999)
        return datetime.fromtimestamp(seconds, UTC)

    def _check(self, expires: int, signature: str, *fields: str) -> None:
        expected = self._sign(*fields, str(expires))
        if not hmac.compare_digest(expected, signature):
            raise AccessDenied("The URL's signature does not match.")
        if self.clock.now().timestamp() >= expires:
            raise AccessDenied("The URL has expired.")

    # The port

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
        expires_at = self._expiry(expires_in)
        expires = str(int(expires_at.timestamp()))
        upload_id = secrets.token_hex(_UPLOAD_ID_LENGTH // 2)
        manifest = {
            "key": key,
            "mime_type": mime_type,
            "filename": filename,
            "parts": {
                str(p.number): {"size": p.size, "sha256_base64": p.sha256_base64} for p in parts
            },
        }

        def write() -> None:
            directory = self._upload(upload_id)
            directory.mkdir(parents=True)
            _write_json(directory / "manifest.json", manifest)

        await asyncio.to_thread(write)
        presigned = []
        for part in parts:
            query = urlencode(
                {
                    "expires": expires,
                    "signature": self._sign("PUT", upload_id, str(part.number), expires),
                }
            )
            presigned.append(
                PresignedPart(
                    number=part.number,
                    start=part.start,
                    end=part.end,
                    url=f"{self.base_url}/storage/uploads/{upload_id}/{part.number}?{query}",
                    expires_at=expires_at,
                    headers={},
                    sha256_base64=part.sha256_base64,
                )
            )
        return MultipartUpload(upload_id=upload_id, key=key, parts=presigned)

    async def complete_multipart_upload(
        self, key: str, upload_id: str, parts: Sequence[CompletedPart]
    ) -> StoredObject:
        validate_key(key)
        return await asyncio.to_thread(self._complete, key, upload_id, list(parts))

    def _complete(self, key: str, upload_id: str, parts: list[CompletedPart]) -> StoredObject:
        directory = self._upload(upload_id)
        manifest = self._manifest(directory)
        if manifest["key"] != key:
            raise UploadNotFound("No such upload for this key.")
        if not parts:
            raise UploadRejected("An upload needs at least one part.")
        numbers = [p.number for p in parts]
        if numbers != sorted(set(numbers)):
            raise UploadRejected("Parts must be listed once each, in ascending order.")
        received = []
        for index, part in enumerate(parts):
            info_path = directory / f"{part.number}.json"
            if not info_path.exists():
                raise UploadRejected(f"Part {part.number} was not uploaded.")
            info = json.loads(info_path.read_text())
            if _etag(part.etag) != info["etag"]:
                raise UploadRejected(f"The ETag of part {part.number} does not match.")
            if index < len(parts) - 1 and info["size"] < MIN_PART_SIZE:
                raise UploadRejected(
                    f"Part {part.number} is smaller than {MIN_PART_SIZE} bytes and not the last."
                )
            received.append((part.number, info))

        target = self._object(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        sha256 = hashlib.sha256()
        md5s = b""
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                for number, info in received:
                    with (directory / f"{number}.part").open("rb") as source:
                        while chunk := source.read(CHUNK):
                            sha256.update(chunk)
                            size += len(chunk)
                            out.write(chunk)
                    md5s += bytes.fromhex(info["etag"])
            now = self.clock.now()
            etag = f"{hashlib.md5(md5s, usedforsecurity=False).hexdigest()}-{len(received)}"
            meta = {
                "mime_type": manifest["mime_type"],
                "filename": manifest["filename"],
                "size": size,
                "etag": etag,
                "sha256_hex": sha256.hexdigest(),
                "last_modified_at": now.isoformat(),
            }
            meta_path = self._meta(key)
            meta_path.parent.mkdir(parents=True, exist_ok=True)
            _write_json(meta_path, meta)
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        shutil.rmtree(directory, ignore_errors=True)
        return StoredObject(
            key=key,
            size=size,
            sha256_hex=sha256.hexdigest(),
            etag=f'"{etag}"',
            version=None,
            last_modified_at=now,
        )

    async def abort_multipart_upload(self, key: str, upload_id: str) -> None:
        try:
            directory = self._upload(upload_id)
        except UploadNotFound:
            return
        await asyncio.to_thread(shutil.rmtree, directory, True)

    async def presigned_download_url(
        self,
        key: str,
        *,
        expires_in: timedelta,
        filename: str | None = None,
        mime_type: str | None = None,
    ) -> PresignedUrl:
        validate_key(key)
        expires_at = self._expiry(expires_in)
        expires = str(int(expires_at.timestamp()))
        params = {"expires": expires}
        if filename is not None:
            params["filename"] = filename
        if mime_type is not None:
            params["type"] = mime_type
        params["signature"] = self._sign("GET", key, filename or "", mime_type or "", expires)
        url = f"{self.base_url}/storage/objects/{key}?{urlencode(params)}"
        return PresignedUrl(url=url, expires_at=expires_at)

    def public_url(self, key: str) -> str:
        if not validate_key(key).startswith(PUBLIC_PREFIX):
            raise ValueError(f"{key!r} is not a public key")
        return f"{self.base_url}/storage/{key}"

    async def head(self, key: str) -> ObjectHead | None:
        meta = await asyncio.to_thread(self._read_meta, key)
        if meta is None:
            return None
        return ObjectHead(
            key=key,
            size=meta["size"],
            mime_type=meta["mime_type"],
            etag=f'"{meta["etag"]}"',
            last_modified_at=datetime.fromisoformat(meta["last_modified_at"]),
        )

    def _read_meta(self, key: str) -> dict[str, Any] | None:
        meta_path, object_path = self._meta(key), self._object(key)
        if not (meta_path.exists() and object_path.exists()):
            return None
        meta: dict[str, Any] = json.loads(meta_path.read_text())
        return meta

    async def delete(self, key: str) -> None:
        def remove() -> None:
            self._object(key).unlink(missing_ok=True)
            self._meta(key).unlink(missing_ok=True)

        await asyncio.to_thread(remove)

    # What the HTTP routes call

    def _manifest(self, directory: Path) -> dict[str, Any]:
        try:
            manifest: dict[str, Any] = json.loads((directory / "manifest.json").read_text())
        except FileNotFoundError:
            raise UploadNotFound(
                "No such upload: it was completed, aborted or never opened."
            ) from None
        return manifest

    async def receive_part(
        self,
        upload_id: str,
        number: int,
        *,
        expires: int,
        signature: str,
        body: AsyncIterable[bytes],
        sha256_base64: str | None = None,
    ) -> str:
        """Store part `number` from `body` once the URL checks out; returns its quoted ETag.

        The body must be exactly the declared length, and match the declared SHA-256 (and the
        `x-amz-checksum-sha256` header, when the client sends one).
        """
        self._check(expires, signature, "PUT", upload_id, str(number))
        directory = self._upload(upload_id)
        manifest = await asyncio.to_thread(self._manifest, directory)
        declared = manifest["parts"].get(str(number))
        if declared is None:
            raise PartRefused(f"Part {number} is not part of this upload.")
        expected_size: int = declared["size"]
        md5 = hashlib.md5(usedforsecurity=False)
        sha256 = hashlib.sha256()
        size = 0
        fd, tmp_name = await asyncio.to_thread(
            tempfile.mkstemp, dir=directory, prefix=f".{number}-"
        )
        try:
            with os.fdopen(fd, "wb") as out:
                async for chunk in body:
                    size += len(chunk)
                    if size > expected_size:
                        raise PartRefused(f"Part {number} is longer than {expected_size} bytes.")
                    md5.update(chunk)
                    sha256.update(chunk)
                    await asyncio.to_thread(out.write, chunk)
            if size != expected_size:
                raise PartRefused(f"Part {number} is {size} bytes; {expected_size} were declared.")
            digest = base64.b64encode(sha256.digest()).decode()
            for claimed in (declared["sha256_base64"], sha256_base64):
                if claimed and claimed != digest:
                    raise PartRefused(f"The SHA-256 of part {number} does not match.")
            etag = md5.hexdigest()
            info = {"etag": etag, "size": size, "sha256_base64": digest}

            def publish() -> None:
                os.replace(tmp_name, directory / f"{number}.part")
                _write_json(directory / f"{number}.json", info)

            await asyncio.to_thread(publish)
        except BaseException:
            await asyncio.to_thread(Path(tmp_name).unlink, True)
            raise
        return f'"{etag}"'

    async def open_download(
        self,
        key: str,
        *,
        expires: int,
        signature: str,
        filename: str | None,
        mime_type: str | None,
    ) -> Download:
        """The object behind a download URL, once the URL checks out."""
        validate_key(key)
        self._check(expires, signature, "GET", key, filename or "", mime_type or "")
        meta = await asyncio.to_thread(self._read_meta, key)
        if meta is None:
            raise ObjectMissing("No such object.")
        return Download(
            path=self._object(key),
            size=meta["size"],
            mime_type=mime_type or meta["mime_type"] or "application/octet-stream",
            etag=f'"{meta["etag"]}"',
            filename=filename if filename is not None else meta["filename"],
        )
