"""The URLs the local object storage hands out, served by the API itself (outside `/v1`).

- `PUT /storage/uploads/{upload id}/{part number}?expires=…&signature=…`: a part's bytes;
  answers 200 with an `ETag` header, as S3 does.
- `GET /storage/objects/{key}?expires=…&signature=…`: a presigned download.
- `GET /storage/public/{…}`: a public object (product media, avatars), whatever the storage:
  a redirect to a fresh presigned download URL.

Expired or altered URLs get a 403. With S3 configured, only the public route answers.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response

from adapters.localfs.storage import (
    AccessDenied,
    LocalObjectStorage,
    ObjectMissing,
    PartRefused,
)
from application.files.ports import (
    PUBLIC_PREFIX,
    ObjectStorage,
    UploadNotFound,
    content_disposition,
    validate_key,
)
from entrypoints.http.errors import error_response
from entrypoints.http.kit.routing import ModuleRouter

router = ModuleRouter(prefix="/storage", include_in_schema=False)

UPLOADS_PREFIX = "/storage/uploads/"
_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag",
}


def _storage(request: Request) -> ObjectStorage:
    storage: ObjectStorage = request.app.state.container.object_storage()
    return storage


def _not_found() -> JSONResponse:
    return error_response(404, "ResourceNotFound", "Not found")


def _denied(detail: str) -> JSONResponse:
    return error_response(403, "NotPermitted", detail, _CORS)


@router.options("/uploads/{upload_id}/{number}")
async def preflight_part(upload_id: str, number: int) -> Response:
    """CORS preflight: browsers upload parts straight from the page."""
    return Response(
        status_code=204,
        headers={
            **_CORS,
            "Access-Control-Allow-Methods": "PUT",
            "Access-Control-Allow-Headers": (
                "content-type, x-amz-checksum-sha256, x-amz-sdk-checksum-algorithm"
            ),
            "Access-Control-Max-Age": "3600",
        },
    )


@router.put("/uploads/{upload_id}/{number}")
async def upload_part(
    upload_id: str,
    number: int,
    request: Request,
    expires: Annotated[int | None, Query()] = None,
    signature: Annotated[str | None, Query(max_length=128)] = None,
) -> Response:
    storage = _storage(request)
    if not isinstance(storage, LocalObjectStorage):
        return _not_found()
    if expires is None or signature is None:
        return _denied("The URL is not signed.")
    try:
        etag = await storage.receive_part(
            upload_id,
            number,
            expires=expires,
            signature=signature,
            body=request.stream(),
            sha256_base64=request.headers.get("x-amz-checksum-sha256"),
        )
    except AccessDenied as error:
        return _denied(error.detail)
    except UploadNotFound as error:
        return error_response(404, "ResourceNotFound", error.detail, _CORS)
    except PartRefused as error:
        return error_response(400, "BadRequest", error.detail, _CORS)
    return Response(status_code=200, headers={**_CORS, "ETag": etag})


@router.get("/objects/{key:path}")
async def download(
    key: str,
    request: Request,
    expires: Annotated[int | None, Query()] = None,
    signature: Annotated[str | None, Query(max_length=128)] = None,
    filename: Annotated[str | None, Query(max_length=1024)] = None,
    type: Annotated[str | None, Query(max_length=255)] = None,
) -> Response:
    storage = _storage(request)
    if not isinstance(storage, LocalObjectStorage):
        return _not_found()
    if expires is None or signature is None:
        return _denied("The URL is not signed.")
    try:
        found = await storage.open_download(
            key, expires=expires, signature=signature, filename=filename, mime_type=type
        )
    except ValueError:
        return _not_found()
    except AccessDenied as error:
        return _denied(error.detail)
    except ObjectMissing:
        return _not_found()
    headers = {
        **_CORS,
        "Cache-Control": "private, max-age=0",
        # The type is the uploader's word and this is the API's origin: never run what it says.
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
    }
    if found.etag:
        headers["ETag"] = found.etag
    if found.filename:
        headers["Content-Disposition"] = content_disposition(found.filename)
    return FileResponse(found.path, media_type=found.mime_type, headers=headers)


@router.get("/public/{rest:path}")
async def public_object(rest: str, request: Request) -> Response:
    key = PUBLIC_PREFIX + rest
    try:
        validate_key(key)
    except ValueError:
        return _not_found()
    ttl = timedelta(seconds=request.app.state.container.settings().file_url_ttl)
    url = await _storage(request).presigned_download_url(key, expires_in=ttl)
    # Browsers may reuse the redirect for a while, never past the URL's expiry.
    max_age = int(min(ttl.total_seconds() / 2, 300))
    return RedirectResponse(
        url.url, status_code=307, headers={"Cache-Control": f"public, max-age={max_age}"}
    )
