from __future__ import annotations

from enum import StrEnum

from application.kit.sorting import Sorting


class AccessTokenSortProperty(StrEnum):
    created_at = "created_at"
    comment = "comment"
    last_used_at = "last_used_at"
    organization_id = "organization_id"


DEFAULT_SORTING = [Sorting(AccessTokenSortProperty.created_at, descending=True)]
