from __future__ import annotations

from enum import StrEnum

from application.kit.sorting import Sorting


class DiscountSortProperty(StrEnum):
    """Exactly the client's `DiscountSortProperty` literals (without the `-` prefix)."""

    created_at = "created_at"
    name = "name"
    code = "code"
    redemptions_count = "redemptions_count"
    ends_at = "ends_at"


DEFAULT_SORTING = [Sorting(DiscountSortProperty.created_at, descending=True)]
