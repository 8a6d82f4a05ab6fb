"""One ObjectStorage contract, run against the local filesystem adapter and S3.

Bytes travel the way a client sends them: plain HTTP PUTs to the presigned part URLs and a GET
of the presigned download URL. The local adapter's URLs point at the API app (served here over
httpx's ASGI transport); S3's at the S3 server (moto on 127.0.0.1, MinIO or TEST_S3_*).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from dependency_injector import providers

from adapters.clock import SystemClock
from adapters.localfs.storage import LocalObjectStorage
from adapters.s3.storage import S3ObjectStorage
from application.files.ports import (
    MIN_PART_SIZE,
    CompletedPart,
    MultipartUpload,
    ObjectStorage,
    PartRange,
    UploadNotFound,
    UploadRejected,
)
from entrypoints.container import Container
from entrypoints.http.app import create_app
from entrypoints.settings import Environment, Settings
from tests import services

API = "http://meridian.test"
SECRET = "storage-secret-0123456789-0123456789-0123456789"
TTL = timedelta(minutes=10)


@dataclass
class Storage:
    name: str
    storage: ObjectStorage
    http: httpx.AsyncClient


def _app_serving(storage: ObjectStorage) -> httpx.ASGITransport:
    container = Container()
    container.settings.override(
        providers.Object(Settings(env=Environment.test, secret=SECRET, base_url=API))
    )
    container.object_storage.override(providers.Object(storage))
    app = create_app(container, manage_runtime=False)
    return httpx.ASGITransport(app=app, raise_app_exceptions=False)


@pytest.fixture(params=["local", "s3"])
async def subject(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    storage: ObjectStorage
    if request.param == "local":
        storage = LocalObjectStorage(tmp_path / "files", API, SECRET, SystemClock())
    else:
        config = services.s3_config()
        storage = S3ObjectStorage(
            bucket=config.bucket,
            endpoint_url=config.endpoint_url,
            region=config.region,
            access_key_id=config.access_key_id,
            secret_access_key=config.secret_access_key,
            api_base_url=API,
        )
    # URLs on the API's host go to the app; others (S3) over the network.
    async with httpx.AsyncClient(mounts={API: _app_serving(storage)}, timeout=60) as http:
        yield Storage(request.param, storage, http)


def _key(prefix: str = "") -> str:
    return f"{prefix}{uuid.uuid4()}/{uuid.uuid4().hex}.bin"


def _b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def _ranges(data: bytes, sizes: Sequence[int], *, checksums: bool) -> list[PartRange]:
    parts, start = [], 0
    for number, size in enumerate(sizes, start=1):
        chunk = data[start : start + size]
        parts.append(PartRange(number, start, start + size, _b64(chunk) if checksums else None))
        start += size
    assert start == len(data)
    return parts


async def _put_parts(s: Storage, upload: MultipartUpload, data: bytes) -> list[CompletedPart]:
    async def put(part: object) -> CompletedPart:
        assert hasattr(part, "url")
        body = data[part.start : part.end]  # type: ignore[attr-defined]
        response = await s.http.put(part.url, content=body, headers=dict(part.headers))  # type: ignore[attr-defined]
        assert response.status_code == 200, response.text
        etag = response.headers["etag"]
        return CompletedPart(part.number, etag, part.sha256_base64)  # type: ignore[attr-defined]

    return list(await asyncio.gather(*(put(p) for p in upload.parts)))


async def _upload(
    s: Storage,
    data: bytes,
    sizes: Sequence[int],
    *,
    key: str | None = None,
    checksums: bool = True,
    filename: str | None = "report.bin",
) -> tuple[str, MultipartUpload, list[CompletedPart]]:
    key = key or _key()
    upload = await s.storage.create_multipart_upload(
        key,
        mime_type="application/octet-stream",
        parts=_ranges(data, sizes, checksums=checksums),
        expires_in=TTL,
        filename=filename,
    )
    return key, upload, await _put_parts(s, upload, data)


async def test_multipart_upload_download_and_delete(subject: Storage) -> None:
    data = os.urandom(2 * MIN_PART_SIZE + 12_345)
    sizes = [MIN_PART_SIZE, MIN_PART_SIZE, 12_345]
    key, upload, completed = await _upload(subject, data, sizes, filename="Q3 report €.bin")
    assert upload.key == key
    assert [p.number for p in upload.parts] == [1, 2, 3]
    assert [(p.start, p.end) for p in upload.parts] == [
        (0, MIN_PART_SIZE),
        (MIN_PART_SIZE, 2 * MIN_PART_SIZE),
        (2 * MIN_PART_SIZE, len(data)),
    ]
    assert await subject.storage.head(key) is None  # nothing visible before completion

    stored = await subject.storage.complete_multipart_upload(key, upload.upload_id, completed)
    assert stored.size == len(data)
    assert stored.sha256_hex == hashlib.sha256(data).hexdigest()
    assert stored.etag

    head = await subject.storage.head(key)
    assert head is not None
    assert (head.size, head.mime_type) == (len(data), "application/octet-stream")

    url = await subject.storage.presigned_download_url(
        key, expires_in=TTL, filename="Q3 report €.bin", mime_type="application/pdf"
    )
    response = await subject.http.get(url.url, headers=dict(url.headers))
    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == hashlib.sha256(data).hexdigest()
    assert response.content == data
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    assert "Q3%20report%20%E2%82%AC.bin" in response.headers["content-disposition"]

    await subject.storage.delete(key)
    assert await subject.storage.head(key) is None
    gone = await subject.http.get(url.url)
    assert gone.status_code in (403, 404)  # S3 says 403 to signers that may not list
    await subject.storage.delete(key)  # deleting again is not an error


async def test_upload_without_checksums_is_hashed_on_completion(subject: Storage) -> None:
    data = os.urandom(70_000)
    key, upload, completed = await _upload(subject, data, [len(data)], checksums=False)
    assert all(dict(p.headers) == {} for p in upload.parts)
    stored = await subject.storage.complete_multipart_upload(key, upload.upload_id, completed)
    assert (stored.size, stored.sha256_hex) == (len(data), hashlib.sha256(data).hexdigest())


async def test_expired_urls_are_refused(subject: Storage) -> None:
    data = os.urandom(1000)
    key = _key()
    upload = await subject.storage.create_multipart_upload(
        key,
        mime_type="text/plain",
        parts=_ranges(data, [1000], checksums=False),
        expires_in=timedelta(seconds=1),
    )
    await asyncio.sleep(2.1)
    response = await subject.http.put(upload.parts[0].url, content=data)
    assert response.status_code == 403

    # A fresh upload, to have an object to download.
    key, upload, completed = await _upload(subject, data, [1000])
    await subject.storage.complete_multipart_upload(key, upload.upload_id, completed)
    # Signed at a whole second: a 1 s URL may be expired before a loaded machine fetches it.
    url = await subject.storage.presigned_download_url(key, expires_in=timedelta(seconds=3))
    assert (await subject.http.get(url.url)).status_code == 200
    await asyncio.sleep(4.1)
    assert (await subject.http.get(url.url)).status_code == 403


async def test_wrong_etag_is_rejected_and_the_upload_stays_open(subject: Storage) -> None:
    data = os.urandom(5000)
    key, upload, completed = await _upload(subject, data, [5000])
    wrong = [CompletedPart(1, '"0123456789abcdef0123456789abcdef"', completed[0].sha256_base64)]
    with pytest.raises(UploadRejected):
        await subject.storage.complete_multipart_upload(key, upload.upload_id, wrong)
    assert await subject.storage.head(key) is None
    stored = await subject.storage.complete_multipart_upload(key, upload.upload_id, completed)
    assert stored.size == 5000


async def test_missing_part_and_small_parts_are_rejected(subject: Storage) -> None:
    data = os.urandom(4000)
    key = _key()
    upload = await subject.storage.create_multipart_upload(
        key,
        mime_type="application/octet-stream",
        parts=_ranges(data, [2000, 2000], checksums=True),
        expires_in=TTL,
    )
    completed = await _put_parts(subject, upload, data)
    # Part 2 listed with part 3's number: never uploaded.
    with pytest.raises(UploadRejected):
        await subject.storage.complete_multipart_upload(
            key,
            upload.upload_id,
            [completed[0], CompletedPart(3, completed[1].etag, completed[1].sha256_base64)],
        )
    # Both uploaded, but the first is under the minimum part size.
    with pytest.raises(UploadRejected):
        await subject.storage.complete_multipart_upload(key, upload.upload_id, completed)
    assert await subject.storage.head(key) is None


async def test_unknown_and_aborted_uploads(subject: Storage) -> None:
    with pytest.raises(UploadNotFound):
        await subject.storage.complete_multipart_upload(
            _key(), uuid.uuid4().hex, [CompletedPart(1, '"abc"')]
        )
    data = os.urandom(3000)
    key, upload, completed = await _upload(subject, data, [3000])
    await subject.storage.abort_multipart_upload(key, upload.upload_id)
    await subject.storage.abort_multipart_upload(key, upload.upload_id)  # twice is fine
    with pytest.raises(UploadNotFound):
        await subject.storage.complete_multipart_upload(key, upload.upload_id, completed)
    assert await subject.storage.head(key) is None


async def test_part_with_the_wrong_checksum_is_refused(subject: Storage) -> None:
    data = os.urandom(3000)
    key = _key()
    upload = await subject.storage.create_multipart_upload(
        key,
        mime_type="application/octet-stream",
        parts=_ranges(data, [3000], checksums=True),
        expires_in=TTL,
    )
    part = upload.parts[0]
    response = await subject.http.put(
        part.url, content=os.urandom(3000), headers=dict(part.headers)
    )
    assert response.status_code == 400


async def test_public_objects(subject: Storage) -> None:
    data = os.urandom(2048)
    key, upload, completed = await _upload(subject, data, [2048], key=_key("public/"))
    await subject.storage.complete_multipart_upload(key, upload.upload_id, completed)
    url = subject.storage.public_url(key)
    assert url.startswith(f"{API}/storage/public/")
    response = await subject.http.get(url, follow_redirects=True)
    assert response.status_code == 200
    assert response.content == data
    with pytest.raises(ValueError, match="public"):
        subject.storage.public_url(_key())


@pytest.mark.parametrize("key", ["../escape.bin", "/absolute.bin", "a//b.bin", "a/./b", "sp ace"])
async def test_unsafe_keys_are_refused(subject: Storage, key: str) -> None:
    with pytest.raises(ValueError, match="key"):
        await subject.storage.presigned_download_url(key, expires_in=TTL)
    with pytest.raises(ValueError, match="key"):
        await subject.storage.delete(key)


# The local adapter's own checks on the URLs it signs.


def _tamper(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


@pytest.fixture
async def local(tmp_path: Path) -> AsyncIterator[Storage]:
    storage = LocalObjectStorage(tmp_path / "files", API, SECRET, SystemClock())
    async with httpx.AsyncClient(mounts={API: _app_serving(storage)}) as http:
        yield Storage("local", storage, http)


async def test_local_refuses_tampered_urls(local: Storage) -> None:
    data = os.urandom(1500)
    key = _key()
    upload = await local.storage.create_multipart_upload(
        key,
        mime_type="text/plain",
        parts=_ranges(data, [1000, 500], checksums=False),
        expires_in=TTL,
    )
    first, second = upload.parts
    signature = parse_qs(urlsplit(first.url).query)["signature"][0]
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    assert (
        await local.http.put(_tamper(first.url, signature=flipped), content=data[:1000])
    ).status_code == 403
    later = str(int(parse_qs(urlsplit(first.url).query)["expires"][0]) + 3600)
    assert (
        await local.http.put(_tamper(first.url, expires=later), content=data[:1000])
    ).status_code == 403
    # Part 1's signature does not open part 2's URL.
    other = second.url.split("?")[0] + "?" + first.url.split("?")[1]
    assert (await local.http.put(other, content=data[1000:])).status_code == 403
    unsigned = first.url.split("?")[0]
    assert (await local.http.put(unsigned, content=data[:1000])).status_code == 403

    assert all(p.status_code == 200 for p in [await local.http.put(first.url, content=data[:1000])])

    key, upload, completed = await _upload(local, data, [len(data)])
    await local.storage.complete_multipart_upload(key, upload.upload_id, completed)
    url = (await local.storage.presigned_download_url(key, expires_in=TTL, filename="a.txt")).url
    served = await local.http.get(url)
    assert served.status_code == 200
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in served.headers["content-security-policy"]
    assert (await local.http.get(_tamper(url, filename="b.txt"))).status_code == 403
    assert (await local.http.get(_tamper(url, type="text/html"))).status_code == 403
    assert (await local.http.get(url.replace(key, _key()))).status_code == 403


async def test_local_refuses_parts_of_the_wrong_length(local: Storage) -> None:
    data = os.urandom(1000)
    upload = await local.storage.create_multipart_upload(
        _key(),
        mime_type="text/plain",
        parts=_ranges(data, [1000], checksums=False),
        expires_in=TTL,
    )
    url = upload.parts[0].url
    assert (await local.http.put(url, content=data + b"x")).status_code == 400
    assert (await local.http.put(url, content=data[:-1])).status_code == 400
    response = await local.http.put(url, content=data)
    assert response.status_code == 200
    assert response.headers["etag"] == f'"{hashlib.md5(data).hexdigest()}"'


async def test_local_part_upload_is_not_bound_by_the_json_body_limit(local: Storage) -> None:
    """Parts may be larger than MERIDIAN_MAX_BODY_SIZE: the route bounds them to their size."""
    data = os.urandom(11 * 1024 * 1024)
    key, upload, completed = await _upload(local, data, [len(data)], checksums=False)
    stored = await local.storage.complete_multipart_upload(key, upload.upload_id, completed)
    assert stored.size == len(data)


async def test_s3_presigns_for_the_address_clients_use() -> None:
    """The server reaches the storage by one address, clients by another (MinIO in docker
    compose): presigned URLs name the clients' one, and work there."""
    config = services.s3_config()
    endpoint = config.endpoint_url
    alias = (
        endpoint.replace("127.0.0.1", "localhost")
        if "127.0.0.1" in endpoint
        else endpoint.replace("localhost", "127.0.0.1")
    )
    storage = S3ObjectStorage(
        bucket=config.bucket,
        endpoint_url=endpoint,
        region=config.region,
        access_key_id=config.access_key_id,
        secret_access_key=config.secret_access_key,
        api_base_url=API,
        presign_endpoint_url=alias,
    )
    async with httpx.AsyncClient(timeout=60) as http:
        s = Storage("s3", storage, http)
        data = os.urandom(40_000)
        key, upload, completed = await _upload(s, data, [len(data)])
        assert all(p.url.startswith(f"{alias}/") for p in upload.parts)
        stored = await storage.complete_multipart_upload(key, upload.upload_id, completed)
        assert stored.size == len(data)
        url = await storage.presigned_download_url(key, expires_in=TTL)
        assert url.url.startswith(f"{alias}/")
        assert (await http.get(url.url)).content == data
        await storage.delete(key)
