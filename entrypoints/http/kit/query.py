"""Query-string parameters shared by list routes."""

import re
from collections.abc import Awaitable, Callable, Sequence
from enum import StrEnum
from typing import Annotated, TypeVar

from fastapi import Depends, Query, Request

from application.kit.errors import ValidationFailed
from application.kit.pagination import PaginationParams
from application.kit.sorting import Sorting, parse_sorting

P = TypeVar("P", bound=StrEnum)


# Dependencies are `async def` on purpose: FastAPI runs plain `def` ones in a thread pool.
async def _pagination(
    page: Annotated[int, Query(ge=1, le=1_000_000, description="Page number, defaults to 1.")] = 1,
    limit: Annotated[
        int,
        Query(ge=1, le=1_000_000, description="Size of a page, defaults to 10. Maximum is 100."),
    ] = 10,
) -> PaginationParams:
    return PaginationParams(page=page, limit=limit)


PaginationQuery = Annotated[PaginationParams, Depends(_pagination)]


def sorting_query(
    properties: type[P], default: Sequence[Sorting[P]]
) -> Callable[..., Awaitable[list[Sorting[P]]]]:
    """A dependency parsing repeatable `?sorting=` values into Sorting criteria."""
    allowed = ", ".join(f"{p.value}, -{p.value}" for p in properties)

    async def dependency(
        sorting: Annotated[
            list[str] | None,
            Query(
                description=f"Sorting criteria, applied in order. One of: {allowed}.", max_length=10
            ),
        ] = None,
    ) -> list[Sorting[P]]:
        return parse_sorting(sorting or [], properties, default)

    return dependency


# `?metadata[key]=value` (the client's deepObject style); a key may repeat to allow any value.
METADATA_PARAM = re.compile(r"^metadata\[([^\[\]]{1,40})\]$")
MAX_METADATA_FILTERS = 20


def metadata_filters(request: Request) -> dict[str, list[str]]:
    filters: dict[str, list[str]] = {}
    for name, value in request.query_params.multi_items():
        match = METADATA_PARAM.match(name)
        if match is not None:
            filters.setdefault(match.group(1), []).append(value)
    if len(filters) > MAX_METADATA_FILTERS:
        raise ValidationFailed.single(
            ("query", "metadata"), f"At most {MAX_METADATA_FILTERS} metadata filters."
        )
    return filters
