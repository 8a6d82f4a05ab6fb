from __future__ import annotations

from enum import StrEnum

from application.kit.sorting import Sorting


class BenefitGrantSortProperty(StrEnum):
    """Exactly the client's `BenefitGrantSortProperty` literals (without the `-` prefix)."""

    created_at = "created_at"
    granted_at = "granted_at"
    revoked_at = "revoked_at"


DEFAULT_SORTING = [Sorting(BenefitGrantSortProperty.created_at, descending=True)]
