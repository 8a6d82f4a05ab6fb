from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

DEFAULT_LIMIT = 10
MAX_LIMIT = 100


@dataclass(frozen=True)
class PaginationParams:
    """A page request. `page` starts at 1; `limit` above MAX_LIMIT is capped, not refused."""

    page: int = 1
    limit: int = DEFAULT_LIMIT

    def __post_init__(self) -> None:
        if self.page < 1:
            raise ValueError("page must be >= 1")
        if self.limit < 1:
            raise ValueError("limit must be >= 1")
        if self.limit > MAX_LIMIT:
            object.__setattr__(self, "limit", MAX_LIMIT)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.limit


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    total_count: int
    limit: int

    @property
    def max_page(self) -> int:
        return math.ceil(self.total_count / self.limit) if self.total_count else 0
