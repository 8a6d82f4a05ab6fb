"""Benefits: what a customer receives for buying a product (a license key, files to download,
credits on a meter, or anything the merchant describes in a note).

The entity is the same for every kind of benefit; what differs is `properties`, a mapping whose
shape each benefit type defines and checks (a strategy per type, in application/benefits). The
domain keeps the rules every benefit shares:

- `description` is what customers see next to the product: 3 to 42 characters, trimmed.
- `type` never changes after creation; properties are replaced whole when they change.
- A deleted benefit is detached from every product and can no longer be attached.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from domain.base import Entity
from domain.errors import InvariantViolation

DESCRIPTION_MIN_LENGTH = 3
DESCRIPTION_MAX_LENGTH = 42
# A product granting more benefits than this is surely a mistake.
MAX_BENEFITS_PER_PRODUCT = 100


class BenefitVisibility(StrEnum):
    """Whether customers see the benefit in their portal."""

    draft = "draft"
    private = "private"
    public = "public"


def validate_description(description: str) -> str:
    """`description` trimmed, or InvariantViolation when its length is out of bounds."""
    trimmed = description.strip()
    if not DESCRIPTION_MIN_LENGTH <= len(trimmed) <= DESCRIPTION_MAX_LENGTH:
        raise InvariantViolation(
            "description",
            f"Description must be {DESCRIPTION_MIN_LENGTH} to {DESCRIPTION_MAX_LENGTH} characters.",
        )
    return trimmed


@dataclass(kw_only=True)
class Benefit(Entity):
    organization_id: uuid.UUID
    type: str
    description: str
    visibility: BenefitVisibility = BenefitVisibility.public
    # Benefits a merchant attaches to products by hand. Every type supported so far is.
    selectable: bool = True
    deletable: bool = True
    metadata: dict[str, str | int | float | bool] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        self.description = validate_description(self.description)


def validate_benefit_list(benefit_ids: list[uuid.UUID]) -> None:
    """The list of benefits a product grants: no repeats and a sane length.

    Whether each benefit exists and belongs to the product's organization is checked against
    the stored benefits by the use case (an id from elsewhere is not found, not invalid).
    """
    if len(benefit_ids) > MAX_BENEFITS_PER_PRODUCT:
        raise InvariantViolation(
            "benefits", f"A product grants at most {MAX_BENEFITS_PER_PRODUCT} benefits."
        )
    seen: set[uuid.UUID] = set()
    for index, benefit_id in enumerate(benefit_ids):
        if benefit_id in seen:
            raise InvariantViolation(f"benefits.{index}", "This benefit is listed twice.")
        seen.add(benefit_id)
