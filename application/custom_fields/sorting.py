from __future__ import annotations

from enum import StrEnum

from application.kit.sorting import Sorting


class CustomFieldSortProperty(StrEnum):
    """Exactly the client's `CustomFieldSortProperty` literals (without the `-` prefix)."""

    created_at = "created_at"
    slug = "slug"
    name = "name"
    type = "type"


DEFAULT_SORTING = [Sorting(CustomFieldSortProperty.slug, descending=False)]
