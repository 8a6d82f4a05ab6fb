from __future__ import annotations

import math
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from application.kit.pagination import Page

T = TypeVar("T")


class Schema(BaseModel):
    model_config = ConfigDict(from_attributes=False)


class Pagination(Schema):
    total_count: int
    max_page: int


class ListResource(Schema, Generic[T]):
    items: list[T]
    pagination: Pagination

    @classmethod
    def of(cls, page: Page[Any], items: list[T]) -> ListResource[T]:
        max_page = math.ceil(page.total_count / page.limit) if page.total_count else 0
        return cls(
            items=items, pagination=Pagination(total_count=page.total_count, max_page=max_page)
        )
