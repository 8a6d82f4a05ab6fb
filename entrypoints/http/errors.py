"""Every failure answers in Polar's error shapes; nothing leaks a stack trace."""

from __future__ import annotations

import logging
import math
import re
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route, compile_path

from adapters.sqlalchemy.engine import is_pool_exhausted, is_unavailable, is_unique_violation
from application.checkouts.service import ExpiredCheckoutError, NotOpenCheckout
from application.idempotency.service import IdempotencyKeyInUse, IdempotencyKeyMismatch
from application.kit.errors import (
    ApplicationError,
    BadRequest,
    Conflict,
    DependencyUnavailable,
    NotPermitted,
    ResourceAlreadyExists,
    ResourceNotFound,
    ResourceUnavailable,
    TooManyRequests,
    Unauthorized,
    ValidationFailed,
)
from application.license_keys.service import RotateNotPermitted

log = logging.getLogger("meridian.http")

# Set in the scope of a request that failed validation before its route ran.
REQUEST_INVALID = "meridian.request_invalid"

STATUS: dict[type[ApplicationError], int] = {
    # Named errors of the client's (their class names are the `error` sent).
    ExpiredCheckoutError: 410,
    NotOpenCheckout: 403,
    RotateNotPermitted: 400,
    ResourceNotFound: 404,
    Unauthorized: 401,
    NotPermitted: 403,
    BadRequest: 400,
    ResourceAlreadyExists: 409,
    Conflict: 409,
    ResourceUnavailable: 410,
    DependencyUnavailable: 503,
    TooManyRequests: 429,
    IdempotencyKeyInUse: 409,
    IdempotencyKeyMismatch: 422,
}

HTTP_ERROR_NAMES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "NotPermitted",
    404: "ResourceNotFound",
    405: "MethodNotAllowed",
    409: "ResourceAlreadyExists",
    410: "ResourceUnavailable",
    413: "RequestBodyTooLarge",
    415: "UnsupportedMediaType",
    429: "TooManyRequests",
    431: "RequestHeaderFieldsTooLarge",
    503: "ServiceUnavailable",
}


def error_response(
    status: int, name: str, detail: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": name, "detail": detail}, status_code=status, headers=headers)


_SURROGATE = re.compile("[\ud800-\udfff]")
_NON_FINITE = {math.inf: "Infinity", -math.inf: "-Infinity"}


def _writable(value: Any) -> Any:
    """`value` (as `jsonable_encoder` leaves it) with what JSON cannot carry made writable: a
    422 echoes the input it refused, which may hold NaN, an infinity (`1e400`) or a lone
    surrogate (`"\ud800"`); they come back as text ("NaN", "Infinity", U+FFFD)."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, float) and not math.isfinite(value):
        return _NON_FINITE.get(value, "NaN")
    if isinstance(value, list):
        return [_writable(v) for v in value]
    if isinstance(value, dict):
        return {_writable(k): _writable(v) for k, v in value.items()}
    return value


def _validation_response(errors: list[dict[str, Any]]) -> JSONResponse:
    return JSONResponse({"detail": _writable(errors)}, status_code=422)


def _safe_errors(errors: Any) -> list[dict[str, Any]]:
    result = []
    for error in errors:
        item = {k: error[k] for k in ("type", "loc", "msg", "input") if k in error}
        if "ctx" in error:
            item["ctx"] = {
                k: str(v) if isinstance(v, Exception) else v for k, v in error["ctx"].items()
            }
        result.append(item)
    encoded: list[dict[str, Any]] = jsonable_encoder(
        result, custom_encoder={bytes: lambda b: b.decode("utf-8", "replace")}
    )
    return encoded


async def _application_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApplicationError)
    if isinstance(exc, ValidationFailed):
        return _validation_response(
            [
                {
                    "loc": list(e.loc),
                    "msg": e.msg,
                    "type": e.type,
                    "input": jsonable_encoder(e.input),
                }
                for e in exc.errors
            ]
        )
    status = next((code for cls, code in STATUS.items() if isinstance(exc, cls)), 400)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if exc.retry_after is not None:
        headers = {"Retry-After": str(exc.retry_after)}
    return error_response(status, type(exc).__name__, exc.detail, headers)


async def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    request.scope[REQUEST_INVALID] = True
    return _validation_response(_safe_errors(exc.errors()))


class PathMethods:
    """The methods served at each path, for the `Allow` header of a 405: Starlette's names
    only those of the first route matching the path, and each method is a route of its own
    here. Filled in as routers are mounted (`add`)."""

    def __init__(self) -> None:
        self._paths: list[tuple[re.Pattern[str], int, frozenset[str]]] = []

    def add(self, router: APIRouter, prefix: str = "") -> None:
        for route in router.routes:
            if isinstance(route, APIRoute | Route) and route.methods:
                regex, _, convertors = compile_path(prefix + route.path)
                self._paths.append((regex, len(convertors), frozenset(route.methods)))

    def allowed(self, path: str) -> list[str]:
        """The methods of the paths matching `path` that name most of it literally: at
        `/v1/customers/export`, those of that path, not of `/v1/customers/{id}`."""
        matching = [
            (params, methods) for regex, params, methods in self._paths if regex.match(path)
        ]
        if not matching:
            return []
        fewest = min(params for params, _ in matching)
        return sorted({m for params, methods in matching if params == fewest for m in methods})


async def _http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    name = HTTP_ERROR_NAMES.get(exc.status_code, "HTTPError")
    detail = exc.detail if isinstance(exc.detail, str) else name
    if exc.status_code == 404:
        detail = "Not found"
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        path_methods: PathMethods | None = getattr(request.app.state, "path_methods", None)
        if path_methods is not None:
            headers["Allow"] = ", ".join(path_methods.allowed(request.url.path))
    if exc.status_code == 401:
        headers.setdefault("WWW-Authenticate", "Bearer")
    return error_response(exc.status_code, name, detail, headers or None)


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    if is_unavailable(exc):
        log.warning("dependency unavailable on %s %s: %r", request.method, request.url.path, exc)
        detail = (
            "The server is busy: no database connection came free in time. Try again shortly."
            if is_pool_exhausted(exc)
            else "The database is unavailable. Try again shortly."
        )
        return error_response(503, "ServiceUnavailable", detail, {"Retry-After": "5"})
    if is_unique_violation(exc):
        # A race the use case did not serialize: the request changed nothing; another one
        # wrote the same thing first.
        log.warning("unique violation on %s %s: %r", request.method, request.url.path, exc)
        return error_response(
            409,
            "ResourceAlreadyExists",
            "A concurrent request wrote the same thing first. Read it again, then retry.",
        )
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "InternalServerError", "An unexpected error occurred.")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApplicationError, _application_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_exception)
    app.add_exception_handler(Exception, _unhandled)
