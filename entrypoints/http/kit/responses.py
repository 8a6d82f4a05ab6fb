"""JSON responses written straight from wire documents.

A route that returns a pydantic model pays three times for it: building the (nested) model
validates every field, FastAPI validates the result against the route's response model again,
and only then serializes it. On read paths that was most of the time a request spent in Python.

Hot routes instead build their body as plain dicts and lists in the schema's field order (a
wire builder such as `product_wire(entity)`) and return `json_response(...)` or
`page_response(...)`. The route still declares `response_model=`, so that OpenAPI describes the
body; FastAPI sends a returned `Response` as it is.

The schema stays the contract. Each builder, named `<resource>_wire`, names the schema it writes
with `@wire_format(...)`, and tests/unit/test_wire_formats.py checks every registered builder, on
generated entities of every variant, against its schema byte for byte (a new builder is checked
once registered; one left unregistered in a schemas module fails that test). The API tests also
check every body a route sends against its response model (see `tests/api/conftest.py`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import orjson
import pydantic_core
from fastapi import Response

from application.kit.pagination import Page

T = TypeVar("T")

Wire = dict[str, Any]
B = TypeVar("B", bound=Callable[..., Wire])

# Every wire builder, with the schema (a model, or an annotated union of models) it writes.
WIRE_FORMATS: dict[Callable[..., Wire], Any] = {}


def wire_format(schema: Any) -> Callable[[B], B]:
    """Decorator: the function writes `schema`'s wire document from its arguments (an entity
    first). The function itself is returned: registering costs the read path nothing."""

    def register(builder: B) -> B:
        WIRE_FORMATS[builder] = schema
        return builder

    return register


def dumps(content: Any) -> bytes:
    """`content` as pydantic would write it: compact, UTF-8, UTC datetimes ending in `Z`.

    orjson writes the same bytes as pydantic-core for what wire documents hold (str, int, float,
    bool, None, UUID, datetime, date, enums, lists, dicts with str keys); whatever it refuses
    (integers beyond 64 bits, Decimal, non-str keys…) goes to pydantic-core itself.
    """
    try:
        return orjson.dumps(content, default=_uuid_subclasses, option=orjson.OPT_UTC_Z)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return pydantic_core.to_json(content)


def _uuid_subclasses(value: Any) -> str:
    # asyncpg hands UUID columns over as its own subclass of uuid.UUID, which orjson (exact
    # types only) leaves to this hook.
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError


class WireResponse(Response):
    media_type = "application/json"


def json_response(content: Mapping[str, Any] | list[Any], status_code: int = 200) -> WireResponse:
    return WireResponse(dumps(content), status_code=status_code)


def page_wire(page: Page[T], item: Callable[[T], Wire]) -> Wire:
    """The wire document of `ListResource`: the page's items and its pagination."""
    return {
        "items": [item(entity) for entity in page.items],
        "pagination": {"total_count": page.total_count, "max_page": page.max_page},
    }


def page_response(page: Page[T], item: Callable[[T], Wire]) -> WireResponse:
    return json_response(page_wire(page, item))
