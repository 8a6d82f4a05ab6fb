from __future__ import annotations

from enum import StrEnum

from application.kit.sorting import Sorting


class CustomerSortProperty(StrEnum):
    """Exactly the client's `CustomerSortProperty` literals (without the `-` prefix)."""

    created_at = "created_at"
    email = "email"
    name = "name"


DEFAULT_SORTING = [Sorting(CustomerSortProperty.created_at, descending=True)]
