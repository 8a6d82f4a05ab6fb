"""The official client uploads files to a running Meridian, the bytes going by plain HTTP to the
presigned part URLs (here: the API's own local storage)."""

from __future__ import annotations

import base64
import hashlib
import os
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from polar.v2026_10 import Polar
from polar.v2026_10.errors import HTTPValidationError, ResourceNotFound

from tests.e2e.processes import ApiProcess, bootstrap

pytestmark = pytest.mark.e2e

PART = 5 * 1024 * 1024


def _b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def _parts(data: bytes) -> list[dict[str, Any]]:
    parts, start = [], 0
    while start < len(data) or not parts:
        end = min(start + PART, len(data))
        parts.append(
            {
                "number": len(parts) + 1,
                "chunk_start": start,
                "chunk_end": end,
                "checksum_sha256_base64": _b64(data[start:end]),
            }
        )
        start = end
    return parts


def _send(http: httpx.Client, upload: Any, data: bytes) -> list[dict[str, Any]]:
    sent = []
    for part in upload.parts:
        response = http.put(
            part.url, content=data[part.chunk_start : part.chunk_end], headers=part.headers
        )
        assert response.status_code == 200, response.text
        sent.append(
            {
                "number": part.number,
                "checksum_etag": response.headers["etag"],
                "checksum_sha256_base64": part.checksum_sha256_base64,
            }
        )
    return sent


def test_polar_sdk_uploads_lists_renames_and_deletes_files(
    base_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**base_env, "MERIDIAN_DATA_DIR": str(tmp_path / "data")}
    api = ApiProcess(env).start()
    try:
        tokens = bootstrap(env, "files@example.com", "Files Org")
        token = tokens["organization_access_token"]
        with (
            Polar(token, base_url=api.base_url, timeout=60) as polar,
            httpx.Client(timeout=60) as http,
        ):
            data = os.urandom(2 * PART + 999)
            created = polar.files.create(
                name="bundle.zip",
                mime_type="application/zip",
                size=len(data),
                checksum_sha256_base64=_b64(data),
                upload={"parts": _parts(data)},
                service="downloadable",
            )
            assert created.is_uploaded is False
            assert len(created.upload.parts) == 3
            assert all(p.url.startswith(f"{api.base_url}/storage/") for p in created.upload.parts)
            sent = _send(http, created.upload, data)

            with pytest.raises(HTTPValidationError):  # a wrong ETag
                polar.files.uploaded(
                    created.id,
                    id=created.upload.id,
                    path=created.upload.path,
                    parts=[{**sent[0], "checksum_etag": '"0"'}, *sent[1:]],
                )
            file = polar.files.uploaded(
                created.id, id=created.upload.id, path=created.upload.path, parts=sent
            )
            assert file.is_uploaded is True
            assert file.checksum_sha256_hex == hashlib.sha256(data).hexdigest()
            assert file.size_readable == "10.0 MB"

            image = b"\x89PNG\r\n\x1a\n" + os.urandom(4096)
            media_upload = polar.files.create(
                name="cover.png",
                mime_type="image/png",
                size=len(image),
                upload={"parts": _parts(image)},
                service="product_media",
            )
            media = polar.files.uploaded(
                media_upload.id,
                id=media_upload.upload.id,
                path=media_upload.upload.path,
                parts=_send(http, media_upload.upload, image),
            )
            assert media.service == "product_media"
            public = http.get(media.public_url, follow_redirects=True)
            assert public.status_code == 200
            assert public.content == image

            listed = polar.files.list()
            assert [f.id for f in listed.items] == [media.id, file.id]
            assert [f.id for f in polar.files.list(ids=[file.id]).items] == [file.id]
            renamed = polar.files.update(file.id, name="bundle-v2.zip")
            assert renamed.name == "bundle-v2.zip"

            polar.files.delete(media.id)
            assert [f.id for f in polar.files.list().items] == [file.id]
            # The in-process job removes the stored object shortly after.
            deadline = time.monotonic() + 30
            while http.get(media.public_url, follow_redirects=True).status_code != 404:
                assert time.monotonic() < deadline, "the deleted file's object is still served"
                time.sleep(0.2)
            with pytest.raises(ResourceNotFound):
                polar.files.delete(str(uuid.uuid4()))
    finally:
        api.stop()
