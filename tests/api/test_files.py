"""Files over HTTP: the upload flow exactly as the SDK drives it, with the bytes sent by plain
HTTP to the presigned part URLs (the API's own storage routes, or S3)."""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from dependency_injector import providers
from fastapi import FastAPI
from polar.base import deserialize
from polar.v2026_10.outputs import FileRead as SdkFileRead
from polar.v2026_10.outputs import FileUpload, ListResourceFileRead

from adapters.clock import SystemClock
from adapters.localfs.storage import LocalObjectStorage
from adapters.s3.storage import S3ObjectStorage
from application.auth import Scope
from application.files.ports import MIN_PART_SIZE, ObjectStorage
from entrypoints.container import Container
from tests import services
from tests.api.conftest import TEST_SECRET
from tests.harness import Seeder, Tenant

API = "http://meridian.test"
PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(3000)


@pytest.fixture(params=["local", "s3"])
def storage_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _storage(kind: str, root: Path) -> ObjectStorage:
    if kind == "local":
        return LocalObjectStorage(root, API, TEST_SECRET, SystemClock())
    config = services.s3_config()
    return S3ObjectStorage(
        bucket=config.bucket,
        endpoint_url=config.endpoint_url,
        region=config.region,
        access_key_id=config.access_key_id,
        secret_access_key=config.secret_access_key,
        api_base_url=API,
    )


@pytest.fixture
def storage(
    container: Container, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[ObjectStorage]:
    kind = (
        request.getfixturevalue("storage_kind")
        if "storage_kind" in request.fixturenames
        else "local"
    )
    chosen = _storage(kind, tmp_path / "files")
    container.object_storage.override(providers.Object(chosen))
    container.file_service.reset()
    yield chosen
    container.object_storage.reset_override()
    container.file_service.reset()


@pytest.fixture
async def http(app: FastAPI, storage: ObjectStorage) -> AsyncIterator[httpx.AsyncClient]:
    """Requests to the API go to the app; presigned S3 URLs over the network."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(base_url=API, mounts={API: transport}, timeout=60) as client:
        yield client


def _b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def _parts(data: bytes, part_size: int, *, checksums: bool = True) -> list[dict[str, Any]]:
    parts, start, number = [], 0, 1
    while True:
        end = min(start + part_size, len(data))
        part: dict[str, Any] = {"number": number, "chunk_start": start, "chunk_end": end}
        if checksums:
            part["checksum_sha256_base64"] = _b64(data[start:end])
        parts.append(part)
        if end == len(data):
            return parts
        start, number = end, number + 1


def _body(
    tenant: Tenant,
    kind: str,
    data: bytes,
    *,
    service: str = "downloadable",
    mime_type: str = "application/zip",
    name: str = "bundle.zip",
    part_size: int = MIN_PART_SIZE,
    checksums: bool = True,
    **overrides: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "mime_type": mime_type,
        "size": len(data),
        "checksum_sha256_base64": _b64(data),
        "upload": {"parts": _parts(data, part_size, checksums=checksums)},
        "service": service,
    }
    if kind == "user":
        body["organization_id"] = str(tenant.organization.id)
    body.update(overrides)
    return body


async def _put_parts(
    http: httpx.AsyncClient, created: dict[str, Any], data: bytes
) -> list[dict[str, Any]]:
    completed = []
    for part in created["upload"]["parts"]:
        # Plain HTTP, no credentials: the URL is the authorization.
        response = await http.put(
            part["url"],
            content=data[part["chunk_start"] : part["chunk_end"]],
            headers=part["headers"],
        )
        assert response.status_code == 200, response.text
        completed.append(
            {
                "number": part["number"],
                "checksum_etag": response.headers["etag"],
                "checksum_sha256_base64": part["checksum_sha256_base64"],
            }
        )
    return completed


async def _create(
    http: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]
) -> dict[str, Any]:
    response = await http.post("/v1/files/", json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    deserialize(created, FileUpload)  # the SDK loads it
    return created


async def _complete(
    http: httpx.AsyncClient,
    headers: dict[str, str],
    created: dict[str, Any],
    parts: list[dict[str, Any]],
) -> httpx.Response:
    return await http.post(
        f"/v1/files/{created['id']}/uploaded",
        json={"id": created["upload"]["id"], "path": created["upload"]["path"], "parts": parts},
        headers=headers,
    )


async def _uploaded(
    http: httpx.AsyncClient, tenant: Tenant, kind: str, data: bytes, **options: Any
) -> dict[str, Any]:
    headers = tenant.headers(kind)
    created = await _create(http, headers, _body(tenant, kind, data, **options))
    response = await _complete(http, headers, created, await _put_parts(http, created, data))
    assert response.status_code == 200, response.text
    file: dict[str, Any] = response.json()
    return file


async def test_multipart_upload_through_presigned_urls(
    http: httpx.AsyncClient,
    seeder: Seeder,
    subject_kind: str,
    storage_kind: str,
    storage: ObjectStorage,
    container: Container,
) -> None:
    tenant = await seeder.tenant()
    headers = tenant.headers(subject_kind)
    data = os.urandom(2 * MIN_PART_SIZE + 4321)
    created = await _create(http, headers, _body(tenant, subject_kind, data, name="Bundle v1.zip"))
    assert created["is_uploaded"] is False
    assert created["organization_id"] == str(tenant.organization.id)
    assert created["service"] == "downloadable"
    assert created["size"] == len(data)
    assert created["size_readable"] == "10.0 MB"
    assert created["checksum_sha256_hex"] == hashlib.sha256(data).hexdigest()
    upload = created["upload"]
    assert upload["path"] == created["path"]
    assert created["path"].startswith(f"{tenant.organization.id}/")
    assert created["path"].endswith(".zip")
    assert [(p["number"], p["chunk_start"], p["chunk_end"]) for p in upload["parts"]] == [
        (1, 0, MIN_PART_SIZE),
        (2, MIN_PART_SIZE, 2 * MIN_PART_SIZE),
        (3, 2 * MIN_PART_SIZE, len(data)),
    ]
    assert all(p["expires_at"] and p["url"].startswith("http") for p in upload["parts"])
    if storage_kind == "local":
        assert all(p["url"].startswith(f"{API}/storage/uploads/") for p in upload["parts"])

    parts = await _put_parts(http, created, data)
    response = await _complete(http, headers, created, parts)
    assert response.status_code == 200, response.text
    file = response.json()
    loaded = deserialize(file, SdkFileRead)
    assert type(loaded).__name__ == "DownloadableFileRead"
    assert file["is_uploaded"] is True
    assert file["checksum_sha256_hex"] == hashlib.sha256(data).hexdigest()
    assert file["checksum_sha256_base64"] == _b64(data)
    assert file["checksum_etag"]
    assert file["last_modified_at"] is not None
    assert file["flagged_malicious_at"] is None

    listed = await http.get("/v1/files/", headers=headers)
    assert listed.status_code == 200
    deserialize(listed.json(), ListResourceFileRead)
    assert [f["id"] for f in listed.json()["items"]] == [file["id"]]

    # The bytes stored are the bytes sent: fetch them back through a signed download URL.
    service = container.file_service()
    async with container.uow_factory().read() as uow:
        entity = await uow.files.get_including_deleted(uuid.UUID(file["id"]))
    assert entity is not None
    url = await service.download_url(entity)
    download = await http.get(url.url)
    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == hashlib.sha256(data).hexdigest()
    assert "Bundle%20v1.zip" in download.headers["content-disposition"]

    again = await _complete(http, headers, created, parts)  # completing twice is harmless
    assert again.status_code == 200
    assert again.json()["checksum_etag"] == file["checksum_etag"]


async def test_a_checksum_mismatch_is_refused_and_the_file_stays_unusable(
    http: httpx.AsyncClient, seeder: Seeder, storage_kind: str, storage: ObjectStorage
) -> None:
    tenant = await seeder.tenant()
    headers = tenant.headers("organization")
    data = os.urandom(20_000)
    body = _body(tenant, "organization", data, checksum_sha256_base64=_b64(b"something else"))
    created = await _create(http, headers, body)
    parts = await _put_parts(http, created, data)
    response = await _complete(http, headers, created, parts)
    assert response.status_code == 422
    assert "SHA-256" in response.json()["detail"][0]["msg"]

    listed = (await http.get("/v1/files/", headers=headers)).json()["items"]
    assert [(f["id"], f["is_uploaded"]) for f in listed] == [(created["id"], False)]
    assert await storage.head(created["path"]) is None  # the bytes are gone
    retried = await _complete(http, headers, created, parts)
    assert retried.status_code == 422


async def test_a_size_mismatch_is_refused(
    http: httpx.AsyncClient, seeder: Seeder, storage_kind: str, storage: ObjectStorage
) -> None:
    """S3 accepts a short part; the server notices at completion. The local storage refuses it
    at once, when the part is sent."""
    tenant = await seeder.tenant()
    headers = tenant.headers("organization")
    data = os.urandom(20_000)
    created = await _create(http, headers, _body(tenant, "organization", data, checksums=False))
    short = data[:-100]
    part = created["upload"]["parts"][0]
    sent = await http.put(part["url"], content=short, headers=part["headers"])
    if storage_kind == "local":
        assert sent.status_code == 400
        return
    assert sent.status_code == 200
    parts = [{"number": 1, "checksum_etag": sent.headers["etag"], "checksum_sha256_base64": None}]
    response = await _complete(http, headers, created, parts)
    assert response.status_code == 422
    assert "19900 bytes, 20000 were declared" in response.json()["detail"][0]["msg"]
    listed = (await http.get("/v1/files/", headers=headers)).json()["items"]
    assert listed[0]["is_uploaded"] is False


async def test_wrong_etags_are_a_422_and_can_be_retried(
    http: httpx.AsyncClient, seeder: Seeder, storage: ObjectStorage
) -> None:
    tenant = await seeder.tenant()
    headers = tenant.headers("organization")
    data = os.urandom(5000)
    created = await _create(http, headers, _body(tenant, "organization", data))
    parts = await _put_parts(http, created, data)
    wrong = [{**parts[0], "checksum_etag": '"00000000000000000000000000000000"'}]
    response = await _complete(http, headers, created, wrong)
    assert response.status_code == 422
    other_upload = await http.post(
        f"/v1/files/{created['id']}/uploaded",
        json={"id": "not-the-upload", "path": created["path"], "parts": parts},
        headers=headers,
    )
    assert other_upload.status_code == 422
    assert (await _complete(http, headers, created, parts)).status_code == 200


async def test_product_media_is_public(
    http: httpx.AsyncClient, seeder: Seeder, storage_kind: str, storage: ObjectStorage
) -> None:
    tenant = await seeder.tenant()
    file = await _uploaded(
        http,
        tenant,
        "organization",
        PNG,
        service="product_media",
        mime_type="image/png",
        name="cover.png",
    )
    assert type(deserialize(file, SdkFileRead)).__name__ == "ProductMediaFileRead"
    assert file["path"].startswith("public/")
    response = await http.get(file["public_url"], follow_redirects=True)
    assert response.status_code == 200
    assert response.content == PNG


async def test_list_filters_rename_and_delete(
    http: httpx.AsyncClient, seeder: Seeder, subject_kind: str, storage: ObjectStorage
) -> None:
    tenant = await seeder.tenant()
    headers = tenant.headers(subject_kind)
    first = await _uploaded(http, tenant, subject_kind, b"first file")
    second = await _uploaded(
        http, tenant, subject_kind, PNG, service="organization_avatar", mime_type="image/png"
    )
    listed = (await http.get("/v1/files/", headers=headers)).json()
    assert [f["id"] for f in listed["items"]] == [second["id"], first["id"]]  # newest first
    assert listed["pagination"] == {"total_count": 2, "max_page": 1}
    by_id = await http.get("/v1/files/", params={"ids": [first["id"]]}, headers=headers)
    assert [f["id"] for f in by_id.json()["items"]] == [first["id"]]
    by_org = await http.get(
        "/v1/files/",
        params={"organization_id": str(tenant.organization.id), "limit": 1},
        headers=headers,
    )
    assert by_org.json()["pagination"] == {"total_count": 2, "max_page": 2}

    renamed = await http.patch(
        f"/v1/files/{first['id']}",
        json={"name": "  renamed.txt ", "version": "2.0"},
        headers=headers,
    )
    assert renamed.status_code == 200
    assert (renamed.json()["name"], renamed.json()["version"]) == ("renamed.txt", "2.0")
    assert (
        await http.patch(f"/v1/files/{first['id']}", json={"name": ""}, headers=headers)
    ).status_code == 422

    assert await storage.head(first["path"]) is not None
    deleted = await http.delete(f"/v1/files/{first['id']}", headers=headers)
    assert deleted.status_code == 204
    # The job ran after the commit (inline broker): the object is gone too.
    assert await storage.head(first["path"]) is None
    listed = (await http.get("/v1/files/", headers=headers)).json()
    assert [f["id"] for f in listed["items"]] == [second["id"]]
    assert (await http.delete(f"/v1/files/{first['id']}", headers=headers)).status_code == 404
    assert (
        await http.patch(f"/v1/files/{first['id']}", json={"name": "x"}, headers=headers)
    ).status_code == 404


async def test_other_tenants_files_are_not_found(
    http: httpx.AsyncClient, seeder: Seeder, subject_kind: str, storage: ObjectStorage
) -> None:
    owner, other = await seeder.tenant(), await seeder.tenant()
    file = await _uploaded(http, owner, "organization", b"private bytes")
    headers = other.headers(subject_kind)
    assert (await http.get("/v1/files/", headers=headers)).json()["items"] == []
    filtered = await http.get(
        "/v1/files/", params={"organization_id": str(owner.organization.id)}, headers=headers
    )
    assert filtered.json()["items"] == []
    for response in (
        await http.patch(f"/v1/files/{file['id']}", json={"name": "mine"}, headers=headers),
        await http.delete(f"/v1/files/{file['id']}", headers=headers),
        await http.post(
            f"/v1/files/{file['id']}/uploaded",
            json={
                "id": "x",
                "path": file["path"],
                "parts": [{"number": 1, "checksum_etag": "x", "checksum_sha256_base64": None}],
            },
            headers=headers,
        ),
    ):
        assert response.status_code == 404
        assert response.json()["error"] == "ResourceNotFound"
    # Creating in someone else's organization: not found either.
    body = _body(other, subject_kind, b"data", organization_id=str(owner.organization.id))
    assert (await http.post("/v1/files/", json=body, headers=headers)).status_code == 404


async def test_authentication_and_scopes(
    http: httpx.AsyncClient, seeder: Seeder, subject_kind: str, storage: ObjectStorage
) -> None:
    tenant = await seeder.tenant(scopes=[Scope.files_read])
    body = _body(tenant, subject_kind, b"data")
    assert (await http.get("/v1/files/")).status_code == 401
    assert (await http.post("/v1/files/", json=body)).status_code == 401
    headers = tenant.headers(subject_kind)
    assert (await http.get("/v1/files/", headers=headers)).status_code == 200
    refused = await http.post("/v1/files/", json=body, headers=headers)
    assert refused.status_code == 403
    assert refused.json()["error"] == "NotPermitted"
    other = await seeder.tenant(scopes=[Scope.products_read])
    assert (await http.get("/v1/files/", headers=other.headers(subject_kind))).status_code == 403


@pytest.mark.parametrize(
    ("changes", "loc"),
    [
        ({"size": 2 * 1024**3}, ["body", "size"]),  # over MERIDIAN_FILE_MAX_SIZE (1 GiB)
        ({"service": "product_media", "mime_type": "image/png", "size": 11 * 1024 * 1024}, None),
        ({"service": "product_media", "mime_type": "application/zip"}, None),
        ({"service": "support_case_attachment"}, None),
        ({"mime_type": "not a type"}, None),
        ({"checksum_sha256_base64": "bm90IGEgZGlnZXN0"}, ["body", "checksum_sha256_base64"]),
        ({"name": "   "}, None),
        ({"upload": {"parts": []}}, None),
        (
            {"upload": {"parts": [{"number": 1, "chunk_start": 0, "chunk_end": 3}]}},
            ["body", "upload", "parts"],
        ),
        (
            {"upload": {"parts": [{"number": 2, "chunk_start": 0, "chunk_end": 4}]}},
            ["body", "upload", "parts"],
        ),
        (
            {
                "upload": {
                    "parts": [
                        {"number": 1, "chunk_start": 0, "chunk_end": 2},
                        {"number": 2, "chunk_start": 2, "chunk_end": 4},
                    ]
                }
            },
            ["body", "upload", "parts"],
        ),
    ],
)
async def test_bad_creations_are_422_and_change_nothing(
    http: httpx.AsyncClient,
    seeder: Seeder,
    storage: ObjectStorage,
    changes: dict[str, Any],
    loc: list[str] | None,
) -> None:
    tenant = await seeder.tenant()
    headers = tenant.headers("organization")
    body = {**_body(tenant, "organization", b"data"), **changes}
    if "size" in changes and "upload" not in changes:
        body["upload"] = {"parts": [{"number": 1, "chunk_start": 0, "chunk_end": changes["size"]}]}
    response = await http.post("/v1/files/", json=body, headers=headers)
    assert response.status_code == 422, response.text
    if loc is not None:
        assert response.json()["detail"][0]["loc"][: len(loc)] == loc
    assert (await http.get("/v1/files/", headers=headers)).json()["items"] == []


async def test_user_tokens_name_the_organization(
    http: httpx.AsyncClient, seeder: Seeder, storage: ObjectStorage
) -> None:
    tenant = await seeder.tenant()
    body = _body(tenant, "organization", b"data")  # no organization_id
    missing = await http.post("/v1/files/", json=body, headers=tenant.headers("user"))
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "organization_id"]
    headers = {**tenant.headers("user"), "Polar-Organization": str(tenant.organization.id)}
    assert (await http.post("/v1/files/", json=body, headers=headers)).status_code == 201


async def test_part_checksums_for_all_parts_or_none(
    http: httpx.AsyncClient, seeder: Seeder, storage: ObjectStorage
) -> None:
    tenant = await seeder.tenant()
    data = os.urandom(MIN_PART_SIZE + 10)
    body = _body(tenant, "organization", data)
    del body["upload"]["parts"][1]["checksum_sha256_base64"]
    response = await http.post("/v1/files/", json=body, headers=tenant.headers("organization"))
    assert response.status_code == 422
    assert "every part or for none" in response.json()["detail"][0]["msg"]
