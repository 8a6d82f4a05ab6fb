"""ObjectStorage on S3 (or MinIO, R2 and other S3-compatible services), through aioboto3.

Uploads are S3 multipart uploads with one presigned `upload_part` URL per part; downloads are
presigned `get_object` URLs. Completing an upload reads the object back once to compute its
SHA-256: S3's own multipart checksums are checksums of part checksums, not of the file.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import aioboto3
from botocore.config import Config
from botocore.exceptions import ClientError

from application.files.ports import (
    MAX_URL_LIFETIME,
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
    content_disposition,
    validate_key,
)

CHUNK = 1024 * 1024
# S3 error codes that mean the client's parts do not make a valid upload.
_REJECTED = {
    "InvalidPart",
    "InvalidPartOrder",
    "EntityTooSmall",
    "BadDigest",
    "InvalidDigest",
    "InvalidRequest",
    "MalformedXML",
}
_MISSING = {"404", "NoSuchKey", "NotFound"}


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _seconds(expires_in: timedelta) -> int:
    if not timedelta(0) < expires_in <= MAX_URL_LIFETIME:
        raise ValueError(f"URL lifetime must be within (0, {MAX_URL_LIFETIME}]")
    return max(1, int(expires_in.total_seconds()))


class S3ObjectStorage:
    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        public_url: str | None = None,
        api_base_url: str | None = None,
        presign_endpoint_url: str | None = None,
    ) -> None:
        """`public_url`: where objects under PUBLIC_PREFIX are served from (a CDN, or the bucket
        made readable for that prefix). Without it, public URLs point at the API's
        `/storage/public/…` route (`api_base_url`), which redirects to a presigned URL.

        `presign_endpoint_url`: the endpoint named in presigned URLs, when clients reach the
        storage by another address than the server does (MinIO inside docker compose is
        `http://minio:9000` to the API and `http://127.0.0.1:9000` to a client). Signing needs
        no network call, so the server never talks to that address."""
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.presign_endpoint_url = presign_endpoint_url or endpoint_url
        self.region = region
        self.public_base = public_url.rstrip("/") if public_url else None
        self.api_base_url = (api_base_url or "").rstrip("/")
        self._session = aioboto3.Session(
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            region_name=region,
        )
        self._config = Config(
            signature_version="s3v4",
            # Path-style URLs work with MinIO and R2 as well as AWS, and with any bucket name.
            s3={"addressing_style": "path" if endpoint_url else "auto"},
            # Checksums only where the API requires them: presigned URLs must not ask the
            # client for checksum headers it was never told about (botocore >= 1.36 would).
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            retries={"max_attempts": 3, "mode": "standard"},
        )

    @asynccontextmanager
    async def _client(self) -> AsyncIterator[Any]:
        async with self._session.client(
            "s3", endpoint_url=self.endpoint_url, config=self._config
        ) as client:
            yield client

    @asynccontextmanager
    async def _signer(self) -> AsyncIterator[Any]:
        """A client for presigning only, addressed as clients reach the storage."""
        if self.presign_endpoint_url == self.endpoint_url:
            async with self._client() as client:
                yield client
            return
        async with self._session.client(
            "s3", endpoint_url=self.presign_endpoint_url, config=self._config
        ) as client:
            yield client

    def _now(self) -> datetime:
        # Presigned URLs are signed with the real time: expiries are computed from it too.
        return datetime.now(UTC)

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
        seconds = _seconds(expires_in)
        with_checksums = bool(parts) and all(p.sha256_base64 for p in parts)
        arguments: dict[str, Any] = {"Bucket": self.bucket, "Key": key, "ContentType": mime_type}
        if filename is not None:
            arguments["ContentDisposition"] = content_disposition(filename)
        if with_checksums:
            arguments["ChecksumAlgorithm"] = "SHA256"
        async with self._client() as s3:
            try:
                created = await s3.create_multipart_upload(**arguments)
            except ClientError as error:
                raise ObjectStorageError(
                    f"The storage refused the upload ({_code(error)})."
                ) from error
        upload_id = str(created["UploadId"])
        expires_at = self._now() + timedelta(seconds=seconds)
        presigned = []
        async with self._signer() as s3:
            for part in parts:
                params: dict[str, Any] = {
                    "Bucket": self.bucket,
                    "Key": key,
                    "UploadId": upload_id,
                    "PartNumber": part.number,
                }
                headers: dict[str, str] = {}
                if with_checksums:
                    assert part.sha256_base64 is not None
                    params["ChecksumAlgorithm"] = "SHA256"
                    params["ChecksumSHA256"] = part.sha256_base64
                    # Signed headers: the client must send them as they are.
                    headers = {
                        "x-amz-checksum-sha256": part.sha256_base64,
                        "x-amz-sdk-checksum-algorithm": "SHA256",
                    }
                url = await s3.generate_presigned_url(
                    "upload_part", Params=params, ExpiresIn=seconds
                )
                presigned.append(
                    PresignedPart(
                        number=part.number,
                        start=part.start,
                        end=part.end,
                        url=url,
                        expires_at=expires_at,
                        headers=headers,
                        sha256_base64=part.sha256_base64,
                    )
                )
        return MultipartUpload(upload_id=upload_id, key=key, parts=presigned)

    async def complete_multipart_upload(
        self, key: str, upload_id: str, parts: Sequence[CompletedPart]
    ) -> StoredObject:
        validate_key(key)
        if not parts:
            raise UploadRejected("An upload needs at least one part.")
        numbers = [p.number for p in parts]
        if numbers != sorted(set(numbers)):
            raise UploadRejected("Parts must be listed once each, in ascending order.")
        listed = []
        for part in parts:
            entry: dict[str, Any] = {"PartNumber": part.number, "ETag": part.etag.strip()}
            if part.sha256_base64:
                entry["ChecksumSHA256"] = part.sha256_base64
            listed.append(entry)
        async with self._client() as s3:
            try:
                # Whether the upload is open: S3 answers NoSuchUpload here as everywhere, where
                # some S3-compatible servers fail the completion itself with a 5xx.
                await s3.list_parts(Bucket=self.bucket, Key=key, UploadId=upload_id, MaxParts=1)
                completed = await s3.complete_multipart_upload(
                    Bucket=self.bucket,
                    Key=key,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": listed},
                )
            except ClientError as error:
                code = _code(error)
                if code == "NoSuchUpload":
                    raise UploadNotFound(
                        "No such upload: it was completed, aborted or never opened."
                    ) from error
                if code in _REJECTED:
                    message = error.response.get("Error", {}).get("Message") or code
                    raise UploadRejected(f"The storage refused the parts: {message}") from error
                raise
            response = await s3.get_object(Bucket=self.bucket, Key=key)
            sha256 = hashlib.sha256()
            size = 0
            body = response["Body"]
            try:
                async for chunk in body.iter_chunks(CHUNK):
                    sha256.update(chunk)
                    size += len(chunk)
            finally:
                body.close()
        return StoredObject(
            key=key,
            size=size,
            sha256_hex=sha256.hexdigest(),
            etag=completed.get("ETag") or response.get("ETag"),
            version=completed.get("VersionId"),
            last_modified_at=response.get("LastModified"),
        )

    async def abort_multipart_upload(self, key: str, upload_id: str) -> None:
        validate_key(key)
        async with self._client() as s3:
            try:
                await s3.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            except ClientError as error:
                if _code(error) != "NoSuchUpload":
                    raise

    async def presigned_download_url(
        self,
        key: str,
        *,
        expires_in: timedelta,
        filename: str | None = None,
        mime_type: str | None = None,
    ) -> PresignedUrl:
        validate_key(key)
        seconds = _seconds(expires_in)
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if filename is not None:
            params["ResponseContentDisposition"] = content_disposition(filename)
        if mime_type is not None:
            params["ResponseContentType"] = mime_type
        async with self._signer() as s3:
            url = await s3.generate_presigned_url("get_object", Params=params, ExpiresIn=seconds)
        return PresignedUrl(url=url, expires_at=self._now() + timedelta(seconds=seconds))

    def public_url(self, key: str) -> str:
        if not validate_key(key).startswith(PUBLIC_PREFIX):
            raise ValueError(f"{key!r} is not a public key")
        if self.public_base:
            return f"{self.public_base}/{quote(key)}"
        return f"{self.api_base_url}/storage/{quote(key)}"

    async def head(self, key: str) -> ObjectHead | None:
        validate_key(key)
        async with self._client() as s3:
            try:
                head = await s3.head_object(Bucket=self.bucket, Key=key)
            except ClientError as error:
                if _code(error) in _MISSING:
                    return None
                raise
        return ObjectHead(
            key=key,
            size=int(head["ContentLength"]),
            mime_type=head.get("ContentType"),
            etag=head.get("ETag"),
            last_modified_at=head.get("LastModified"),
        )

    async def delete(self, key: str) -> None:
        validate_key(key)
        async with self._client() as s3:
            try:
                await s3.delete_object(Bucket=self.bucket, Key=key)
            except ClientError as error:
                if _code(error) not in _MISSING:
                    raise
