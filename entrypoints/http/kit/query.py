"""Query-string parameters shared by list routes."""

import re
from collections.abc import Mapping, Sequence
from enum import StrEnum
from types import UnionType
from typing import Annotated, Any, ClassVar, TypeVar, Union, get_args, get_origin

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import UUID4, ConfigDict, Field, PrivateAttr, ValidationError

from application.kit.errors import ValidationFailed
from application.kit.inputs import StorableInput, unstorable_text
from application.kit.pagination import PaginationParams
from application.kit.sorting import Sorting, parse_sorting

# `?metadata[key]=value` (the client's deepObject style); a key may repeat to allow any value.
METADATA_PARAM = re.compile(r"^metadata\[([^\[\]]{1,40})\]$")
MAX_METADATA_FILTERS = 20


def metadata_filters(request: Request) -> dict[str, list[str]]:
    filters: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        match = METADATA_PARAM.match(name)
        if match is not None:
            reason = unstorable_text([name, value])
            if reason is not None:
                raise ValidationFailed.single(("query", "metadata", match.group(1)), reason, value)
            filters.setdefault(match.group(1), []).append(value)
    if len(filters) > MAX_METADATA_FILTERS:
        raise ValidationFailed.single(
            ("query", "metadata"), f"At most {MAX_METADATA_FILTERS} metadata filters."
        )
    return filters


# --- List queries read in one pass -------------------------------------------------------------


class ListQuery(StorableInput):
    """The query string of a list route, read and validated in one pass.

    FastAPI validates each declared query parameter on its own and solves each dependency on
    every request, re-inspecting their annotations each time; on the list routes that was a
    sizeable share of a request's CPU. A list route instead declares a subclass with its
    filters as fields and takes it through `list_query(...)`: one dependency, one model
    validation. Errors keep FastAPI's shape (422, `loc` starting with "query"), text PostgreSQL
    cannot store (a NUL) is refused as in bodies, and the route
    passes `openapi_parameters(...)` as `openapi_extra` so that OpenAPI still lists every
    parameter.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    page: Annotated[int, Field(ge=1, le=1_000_000, description="Page number, defaults to 1.")] = 1
    limit: Annotated[
        int,
        Field(ge=1, le=1_000_000, description="Size of a page, defaults to 10. Maximum is 100."),
    ] = 10

    @property
    def pagination(self) -> PaginationParams:
        return PaginationParams(page=self.page, limit=self.limit)


class SortedListQuery(ListQuery):
    """A list query with `?sorting=` (repeatable, `-` for descending) over the route's keys."""

    sort_properties: ClassVar[type[StrEnum]]
    default_sorting: ClassVar[Sequence[Sorting[Any]]]

    sorting: Annotated[list[str] | None, Field(max_length=10)] = None
    # Parsed by `list_query` along with the fields, so that every error is reported at once.
    _sort: list[Sorting[Any]] = PrivateAttr(default_factory=list)

    def sort(self) -> list[Sorting[Any]]:
        """The sorting criteria (the route's default when none was sent)."""
        return self._sort


# The filter most list routes share.
OrganizationIds = Annotated[
    list[UUID4] | None, Field(description="Filter by organization ID.", max_length=100)
]

Q = TypeVar("Q", bound=ListQuery)


def _is_list(annotation: Any) -> bool:
    """Whether a field takes repeated keys (`?id=a&id=b`), as FastAPI reads sequences."""
    if get_origin(annotation) in (Union, UnionType):
        return any(_is_list(arg) for arg in get_args(annotation))
    return get_origin(annotation) in (list, set, frozenset, tuple, Sequence)


def list_query(model: type[Q]) -> Any:
    """`Depends` on `model` read from the request's query string (repeated keys for lists).

    Every error is reported at once, an unknown sort key among them, at ("query", name, …).
    """
    for name, field in model.model_fields.items():
        if field.alias is not None or field.validation_alias is not None:
            # Values are read by field name; an alias would never be read.
            raise TypeError(f"{model.__name__}.{name}: query fields take no alias")
    lists = frozenset(name for name, f in model.model_fields.items() if _is_list(f.annotation))
    names = tuple(model.model_fields)
    sorted_query = issubclass(model, SortedListQuery)

    async def read(request: Request) -> Q:
        params = request.query_params
        data: dict[str, Any] = {}
        for name in names:
            if name in lists:
                values = params.getlist(name)
                if values:
                    data[name] = values
            else:
                value = params.get(name)
                if value is not None:
                    data[name] = value
        errors: list[dict[str, Any]] = []
        query: Q | None = None
        try:
            query = model.model_validate(data)
        except ValidationError as error:
            errors = [{**e, "loc": ("query", *e["loc"])} for e in error.errors()]
        if sorted_query:
            try:
                sorting = parse_sorting(
                    data.get("sorting", ()),
                    model.sort_properties,  # type: ignore[attr-defined]
                    model.default_sorting,  # type: ignore[attr-defined]
                )
            except ValidationFailed as failed:
                errors += [
                    {"type": e.type, "loc": e.loc, "msg": e.msg, "input": e.input}
                    for e in failed.errors
                ]
            else:
                if query is not None:
                    query._sort = sorting  # type: ignore[attr-defined]
        if errors or query is None:
            raise RequestValidationError(errors)
        return query

    return Depends(read)


def _inline(node: Any, definitions: Mapping[str, Any]) -> Any:
    if isinstance(node, dict):
        reference = node.get("$ref")
        if isinstance(reference, str):
            return _inline(definitions[reference.rsplit("/", 1)[-1]], definitions)
        return {k: _inline(v, definitions) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, definitions) for v in node]
    return node


def openapi_parameters(model: type[ListQuery]) -> dict[str, Any]:
    """The route's `openapi_extra`: one optional query parameter per field of `model`."""
    schema = model.model_json_schema()
    definitions = schema.get("$defs", {})
    parameters = []
    for name, property in schema["properties"].items():
        property = _inline(property, definitions)
        description = property.get("description")
        if name == "sorting" and issubclass(model, SortedListQuery):
            allowed = ", ".join(f"{p.value}, -{p.value}" for p in model.sort_properties)
            description = (
                "Sorting criteria, applied in order, each property at most once. "
                f"One of: {allowed}."
            )
            keys = [k for p in model.sort_properties for k in (p.value, f"-{p.value}")]
            property = {
                **property,
                "anyOf": [
                    {**option, "items": {"type": "string", "enum": keys}}
                    if option.get("type") == "array"
                    else option
                    for option in property["anyOf"]
                ],
            }
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": False}
        parameter["schema"] = property
        if description:
            parameter["description"] = description
        parameters.append(parameter)
    # FastAPI documents the 422 only on routes that declare parameters themselves.
    invalid = {
        "description": "Validation Error",
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}
        },
    }
    return {"parameters": parameters, "responses": {"422": invalid}}
