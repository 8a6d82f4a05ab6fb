from __future__ import annotations

from enum import StrEnum

from application.kit.sorting import Sorting


class OrganizationSortProperty(StrEnum):
    created_at = "created_at"
    slug = "slug"
    name = "name"
    # Accepted because the client offers them; both order by how long the status has held.
    next_review_threshold = "next_review_threshold"
    days_in_status = "days_in_status"


DEFAULT_SORTING = [Sorting(OrganizationSortProperty.created_at)]
