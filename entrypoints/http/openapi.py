"""The OpenAPI document (`/openapi.json`): FastAPI's, plus what no route declares itself.

- The answers every operation of the API may give whatever it does (authentication, rate
  limits, body and header limits, `Idempotency-Key`, a busy database), each in Polar's error
  shape, so that every status the server produces is documented.
- Ids are version-4 UUIDs (pydantic's `UUID4`, documented by it with a `uuid4` format no tool
  knows): documented as the standard `uuid` format with a pattern that says version 4 (of RFC 4122's variant, which
  Python's `uuid` requires for a version to be read).
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI

from entrypoints.http.idempotency import WRITE_METHODS

ERROR_SCHEMA = "Error"
VALIDATION_SCHEMA = "HTTPValidationError"
UUID4_PATTERN = (
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"
)


def _error(description: str, *, retry_after: bool = False) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}}
        },
    }
    if retry_after:
        response["headers"] = {
            "Retry-After": {
                "description": "Seconds to wait before trying again.",
                "schema": {"type": "integer"},
            }
        }
    return response


# Statuses any operation may answer, before or beside what its route does.
COMMON_RESPONSES: dict[str, dict[str, Any]] = {
    "400": _error(
        "BadRequest: a body that is not UTF-8, or an `Idempotency-Key` that is not 1 to 255 "
        "printable ASCII characters."
    ),
    "401": _error("Unauthorized: no token, or one that is invalid, expired or revoked."),
    "403": _error(
        "NotPermitted: the token lacks the scope, or is of a kind this operation does not take."
    ),
    "404": _error("ResourceNotFound: the resource, or one the request names, does not exist."),
    "413": _error("RequestBodyTooLarge: the body is over the server's limit."),
    "429": _error("TooManyRequests: over a rate limit.", retry_after=True),
    "431": _error("RequestHeaderFieldsTooLarge: the request line and headers are too large."),
    "503": _error(
        "ServiceUnavailable: no database connection came free in time, or the database is "
        "unavailable.",
        retry_after=True,
    ),
}
# Statuses of writes: a duplicate, or an `Idempotency-Key` still running (409); a key reused
# for another request (422, in the error shape beside validation errors).
WRITE_RESPONSES: dict[str, dict[str, Any]] = {
    "409": _error(
        "ResourceAlreadyExists, or IdempotencyKeyInUse: a request with this `Idempotency-Key` "
        "is still running.",
        retry_after=True,
    ),
}


def _version_4_ids(node: Any) -> Any:
    if isinstance(node, dict):
        if node.get("format") == "uuid4":
            node = {**node, "format": "uuid", "pattern": UUID4_PATTERN}
        return {k: _version_4_ids(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_version_4_ids(v) for v in node]
    return node


def _unprocessable(existing: dict[str, Any] | None) -> dict[str, Any]:
    """A write's 422: a validation error, or IdempotencyKeyMismatch in the error shape."""
    return {
        "description": (existing or {}).get("description", "Validation Error"),
        "content": {
            "application/json": {
                "schema": {
                    "anyOf": [
                        {"$ref": f"#/components/schemas/{VALIDATION_SCHEMA}"},
                        {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"},
                    ]
                }
            }
        },
    }


def augment(document: dict[str, Any]) -> dict[str, Any]:
    """`document` (FastAPI's) with the common answers and the UUID pattern; a new document."""
    document = copy.deepcopy(document)
    components = document.setdefault("components", {}).setdefault("schemas", {})
    components[ERROR_SCHEMA] = {
        "title": ERROR_SCHEMA,
        "type": "object",
        "properties": {"error": {"type": "string"}, "detail": {"type": "string"}},
        "required": ["error", "detail"],
    }
    for path, operations in document.get("paths", {}).items():
        if not path.startswith("/v1/"):
            continue
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status, response in COMMON_RESPONSES.items():
                responses.setdefault(status, response)
            if method.upper() in WRITE_METHODS:
                for status, response in WRITE_RESPONSES.items():
                    responses.setdefault(status, response)
                responses["422"] = _unprocessable(responses.get("422"))
    result: dict[str, Any] = _version_4_ids(document)
    return result


def install_openapi(app: FastAPI) -> None:
    """Serve FastAPI's document, augmented, at the app's `openapi_url`. FastAPI builds its
    document once (again if routes are added); so is the augmented one."""
    generate = app.openapi
    built: list[tuple[dict[str, Any], dict[str, Any]]] = []

    def openapi() -> dict[str, Any]:
        base = generate()
        if not built or built[0][0] is not base:
            built[:] = [(base, augment(base))]
        return built[0][1]

    app.openapi = openapi  # type: ignore[method-assign]
