from __future__ import annotations

from enum import StrEnum

from application.kit.sorting import Sorting


class MeterSortProperty(StrEnum):
    """Exactly the client's `MeterSortProperty` literals (without the `-` prefix)."""

    created_at = "created_at"
    name = "name"


# The client sends `name` unless told otherwise; the server agrees.
DEFAULT_SORTING = [Sorting(MeterSortProperty.name)]
