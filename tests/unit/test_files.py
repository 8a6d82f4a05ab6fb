"""Files: the domain rules and the use cases on the memory adapters (storage included)."""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from typing import Any

import pytest

from adapters.memory.storage import InMemoryObjectStorage
from application.files.commands import DownloadableFileCreate, FilePatch, FileUploadCompleted
from application.files.service import FILE_DELETED, FileUseCases
from application.kit.errors import ResourceNotFound, ValidationFailed
from domain.errors import InvalidTransition, InvariantViolation
from domain.file import (
    MIN_PART_SIZE,
    File,
    FileService,
    Part,
    UploadMismatch,
    UploadState,
    human_readable_size,
    sha256_base64_of,
    sha256_hex_of,
    validate_parts,
)
from tests.unit.conftest import Harness, Tenant, memory_container

MIB = 1024 * 1024


def _b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


class TestDomain:
    def test_parts_cover_the_file_in_order(self) -> None:
        validate_parts(10, [Part(1, 0, 10)])
        validate_parts(0, [Part(1, 0, 0)])
        validate_parts(
            MIN_PART_SIZE + 1,
            [Part(1, 0, MIN_PART_SIZE), Part(2, MIN_PART_SIZE, MIN_PART_SIZE + 1)],
        )
        # A browser client splitting an exact multiple of its chunk size sends an empty last part.
        validate_parts(
            MIN_PART_SIZE, [Part(1, 0, MIN_PART_SIZE), Part(2, MIN_PART_SIZE, MIN_PART_SIZE)]
        )

    @pytest.mark.parametrize(
        ("size", "parts", "message"),
        [
            (10, [], "1 to"),
            (10, [Part(2, 0, 10)], "numbered"),
            (10, [Part(1, 1, 10)], "start at byte 0"),
            (10, [Part(1, 0, 5), Part(2, 6, 10)], "at least"),
            (10, [Part(1, 0, 9)], "cover 9 bytes"),
            (12 * MIB, [Part(1, 0, 6 * MIB), Part(2, 5 * MIB, 12 * MIB)], "start at byte"),
            (10, [Part(1, 0, 5), Part(2, 5, 10)], "at least"),
        ],
    )
    def test_bad_layouts(self, size: int, parts: list[Part], message: str) -> None:
        with pytest.raises(InvariantViolation, match=message):
            validate_parts(size, parts)

    def test_checksum_forms(self) -> None:
        data = b"hello"
        assert sha256_hex_of(_b64(data)) == hashlib.sha256(data).hexdigest()
        assert sha256_base64_of(hashlib.sha256(data).hexdigest()) == _b64(data)
        for bad in ("not base64!", base64.b64encode(b"short").decode(), ""):
            with pytest.raises(InvariantViolation):
                sha256_hex_of(bad)

    def _file(self, **values: Any) -> File:
        return File(
            organization_id=uuid.uuid4(),
            name="a.bin",
            mime_type="application/octet-stream",
            size=5,
            service=FileService.downloadable,
            path="x/a.bin",
            **values,
        )

    def test_completion_checks_size_and_checksum(self) -> None:
        file = self._file(checksum_sha256_hex=hashlib.sha256(b"hello").hexdigest())
        with pytest.raises(UploadMismatch, match="6 bytes, 5 were declared"):
            file.complete(
                size=6,
                sha256_hex=hashlib.sha256(b"hello").hexdigest(),
                etag=None,
                storage_version=None,
                last_modified_at=None,
            )
        assert file.upload_state is UploadState.failed
        assert not file.is_uploaded
        with pytest.raises(InvalidTransition):
            file.complete(
                size=5,
                sha256_hex=hashlib.sha256(b"hello").hexdigest(),
                etag=None,
                storage_version=None,
                last_modified_at=None,
            )

        other = self._file(checksum_sha256_hex=hashlib.sha256(b"hello").hexdigest())
        with pytest.raises(UploadMismatch, match="SHA-256"):
            other.complete(
                size=5,
                sha256_hex=hashlib.sha256(b"world").hexdigest(),
                etag=None,
                storage_version=None,
                last_modified_at=None,
            )

        undeclared = self._file()
        undeclared.complete(
            size=5,
            sha256_hex=hashlib.sha256(b"hello").hexdigest(),
            etag='"e"',
            storage_version="1",
            last_modified_at=None,
        )
        assert undeclared.is_uploaded
        assert undeclared.checksum_sha256_base64 == _b64(b"hello")

    def test_readable_sizes(self) -> None:
        assert human_readable_size(0) == "0.0 B"
        assert human_readable_size(1536) == "1.5 KB"
        assert human_readable_size(10 * MIB + 4321) == "10.0 MB"
        assert human_readable_size(3 * 1024**4) == "3.0 TB"


@pytest.fixture
def harness() -> Harness:
    """The unit harness, with files up to 20 MiB."""
    return Harness(memory_container(file_max_size=20 * MIB))


@pytest.fixture
def storage(harness: Harness) -> InMemoryObjectStorage:
    storage: InMemoryObjectStorage = harness.container.object_storage()
    return storage


@pytest.fixture
def files(harness: Harness) -> FileUseCases:
    files: FileUseCases = harness.container.file_service()
    return files


def _create(data: bytes, **values: Any) -> DownloadableFileCreate:
    parts, start, number = [], 0, 1
    while True:
        end = min(start + MIN_PART_SIZE, len(data))
        parts.append({"number": number, "chunk_start": start, "chunk_end": end})
        if end == len(data):
            break
        start, number = end, number + 1
    body = {
        "name": "data.bin",
        "mime_type": "application/octet-stream",
        "size": len(data),
        "upload": {"parts": parts},
        "service": "downloadable",
        **values,
    }
    return DownloadableFileCreate.model_validate(body)


async def _upload(
    harness: Harness,
    files: FileUseCases,
    storage: InMemoryObjectStorage,
    tenant: Tenant,
    data: bytes,
    **values: Any,
) -> tuple[File, FileUploadCompleted]:
    async with harness.uows.write() as uow:
        file, upload = await files.create(uow, tenant.itself, _create(data, **values))
        await uow.commit()
    completed = FileUploadCompleted(
        id=upload.upload_id,
        path=upload.key,
        parts=[
            {
                "number": p.number,
                "checksum_etag": storage.put_part(
                    upload.upload_id, p.number, data[p.start : p.end]
                ),
            }  # type: ignore[list-item]
            for p in upload.parts
        ],
    )
    return file, completed


async def test_upload_complete_and_verify(
    harness: Harness, files: FileUseCases, storage: InMemoryObjectStorage
) -> None:
    tenant = await harness.tenant()
    data = os.urandom(MIN_PART_SIZE + 100)
    file, completed = await _upload(
        harness, files, storage, tenant, data, checksum_sha256_base64=_b64(data)
    )
    assert file.upload_state is UploadState.pending
    assert file.path == f"{tenant.organization.id}/{file.id}.bin"
    async with harness.uows.write() as uow:
        completion = await files.complete(uow, tenant.owner, file.id, completed)
        await uow.commit()
    assert completion.error is None
    assert completion.file.is_uploaded
    assert completion.file.checksum_sha256_hex == hashlib.sha256(data).hexdigest()
    assert (await storage.head(file.path)).size == len(data)  # type: ignore[union-attr]
    async with harness.uows.read() as uow:
        stored = await files.get(uow, tenant.itself, file.id)
    assert stored.is_uploaded
    assert (await files.download_url(stored)).url.endswith(file.path)
    assert files.public_url(stored) is None


async def test_a_mismatch_fails_the_file_and_removes_the_bytes(
    harness: Harness, files: FileUseCases, storage: InMemoryObjectStorage
) -> None:
    tenant = await harness.tenant()
    data = b"the real bytes"
    file, completed = await _upload(
        harness, files, storage, tenant, data, checksum_sha256_base64=_b64(b"other")
    )
    async with harness.uows.write() as uow:
        completion = await files.complete(uow, tenant.itself, file.id, completed)
        await uow.commit()
    assert isinstance(completion.error, ValidationFailed)
    assert completion.file.upload_state is UploadState.failed
    assert await storage.head(file.path) is None
    async with harness.uows.write() as uow:
        with pytest.raises(ValidationFailed, match="failed verification"):
            await files.complete(uow, tenant.itself, file.id, completed)
        with pytest.raises(ResourceNotFound):
            await files.download_url(completion.file)


async def test_limits_and_tenancy(
    harness: Harness, files: FileUseCases, storage: InMemoryObjectStorage
) -> None:
    tenant, other = await harness.tenant(), await harness.tenant()
    async with harness.uows.write() as uow:
        with pytest.raises(ValidationFailed) as caught:
            await files.create(
                uow,
                tenant.itself,
                _create(
                    os.urandom(10),
                    size=21 * MIB,
                    upload={"parts": [{"number": 1, "chunk_start": 0, "chunk_end": 21 * MIB}]},
                ),
            )
        assert caught.value.errors[0].loc == ("body", "size")
    file, _ = await _upload(harness, files, storage, tenant, b"mine")
    async with harness.uows.write() as uow:
        for subject in (other.itself, other.owner, await harness.outsider()):
            with pytest.raises(ResourceNotFound):
                await files.update(uow, subject, file.id, FilePatch(name="theirs"))
            with pytest.raises(ResourceNotFound):
                await files.delete(uow, subject, file.id)


async def test_deletion_job_removes_the_object_and_runs_twice_safely(
    harness: Harness, files: FileUseCases, storage: InMemoryObjectStorage
) -> None:
    tenant = await harness.tenant()
    file, completed = await _upload(harness, files, storage, tenant, b"bytes to delete")
    pending, _ = await _upload(harness, files, storage, tenant, b"never completed")
    async with harness.uows.write() as uow:
        await files.complete(uow, tenant.itself, file.id, completed)
        assert not await files.on_deleted(uow, file.id)  # not deleted: left alone
        await files.delete(uow, tenant.owner, file.id)
        await files.delete(uow, tenant.owner, pending.id)
        await uow.commit()
    assert [(j.name, dict(j.arguments)) for j in harness.queue.sent] == [
        (FILE_DELETED, {"file_id": str(file.id)}),
        (FILE_DELETED, {"file_id": str(pending.id)}),
    ]
    assert await storage.head(file.path) is not None
    assert pending.upload_id in storage.uploads
    async with harness.uows.write() as uow:
        assert await files.on_deleted(uow, file.id)
        assert await files.on_deleted(uow, file.id)  # again: nothing left, no error
        assert await files.on_deleted(uow, pending.id)
        assert not await files.on_deleted(uow, uuid.uuid4())
    assert await storage.head(file.path) is None
    assert pending.upload_id not in storage.uploads


async def test_rename_and_public_urls(
    harness: Harness, files: FileUseCases, storage: InMemoryObjectStorage
) -> None:
    tenant = await harness.tenant()
    file, _ = await _upload(harness, files, storage, tenant, b"x" * 10, service="downloadable")
    async with harness.uows.write() as uow:
        renamed = await files.update(
            uow, tenant.itself, file.id, FilePatch(name=" new.bin ", version="3")
        )
        assert (renamed.name, renamed.version) == ("new.bin", "3")
        unchanged = await files.update(uow, tenant.itself, file.id, FilePatch())
        assert unchanged.name == "new.bin"
        from application.files.commands import ProductMediaFileCreate

        media, _ = await files.create(
            uow,
            tenant.itself,
            ProductMediaFileCreate.model_validate(
                {
                    **_create(b"img", mime_type="image/png").model_dump(),
                    "service": "product_media",
                    "mime_type": "image/png",
                    "name": "Cover.PNG",
                }
            ),
        )
    assert media.path == f"public/{tenant.organization.id}/{media.id}.png"
    assert files.public_url(media) == f"memory://{media.path}"
