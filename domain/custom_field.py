"""Custom fields: questions an organization asks its customers at checkout.

Rules kept here:

- A custom field belongs to one organization and has one of five types (`text`, `number`,
  `date`, `checkbox`, `select`) that never changes.
- Its `slug` is the key its answers are stored under: lower-case ASCII letters, digits, `-` and
  `_`, unique among the organization's live fields (the repositories enforce it). Its `name`
  is not empty.
- Its `properties` hold what the form shows (`form_label`, `form_help_text`,
  `form_placeholder`) and the type's bounds: a text's `textarea`, `min_length` and
  `max_length`, a number's or a date's `ge` and `le` (a date's as Unix timestamps), a select's
  `options` (at least one, each with a value and a label).
- Deletion is soft (`deleted_at`): the slug is free for a new field.

`validate_custom_field_data` checks a customer's answers against the fields a resource (a
product, a checkout) has attached.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from domain.base import Entity
from domain.errors import InvariantViolation

MetadataValue = str | int | float | bool

INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1
SLUG_PATTERN = re.compile(r"^[a-z0-9\-_]+$")
# What Polar says when a lower bound exceeds the upper one.
GE_ABOVE_LE = "Greater than or equal (ge) must be less than or equal to Less than or equal (le)"


class CustomFieldType(StrEnum):
    text = "text"
    number = "number"
    date = "date"
    checkbox = "checkbox"
    select = "select"


# The properties each type may hold (the form's ones first).
FORM_PROPERTIES = ("form_label", "form_help_text", "form_placeholder")
TYPE_PROPERTIES: dict[CustomFieldType, tuple[str, ...]] = {
    CustomFieldType.text: (*FORM_PROPERTIES, "textarea", "min_length", "max_length"),
    CustomFieldType.number: (*FORM_PROPERTIES, "ge", "le"),
    CustomFieldType.date: (*FORM_PROPERTIES, "ge", "le"),
    CustomFieldType.checkbox: FORM_PROPERTIES,
    CustomFieldType.select: (*FORM_PROPERTIES, "options"),
}


@dataclass(kw_only=True)
class CustomField(Entity):
    organization_id: uuid.UUID
    type: CustomFieldType
    slug: str
    name: str
    # The type's properties as sent (unset ones absent); see TYPE_PROPERTIES.
    properties: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, MetadataValue] = field(default_factory=dict)

    @classmethod
    def create(cls, *, at: datetime, **attributes: Any) -> CustomField:
        custom_field = cls(created_at=at, **attributes)
        custom_field.validate()
        return custom_field

    def validate(self) -> None:
        """Raise InvariantViolation naming the first attribute that breaks a rule."""
        if not SLUG_PATTERN.match(self.slug):
            raise InvariantViolation(
                "slug", "It can only contain ASCII letters, numbers, hyphens and underscores."
            )
        if not self.name:
            raise InvariantViolation("name", "String should have at least 1 character")
        allowed = TYPE_PROPERTIES[self.type]
        unknown = sorted(set(self.properties) - set(allowed))
        if unknown:
            raise InvariantViolation(
                f"properties.{unknown[0]}", f"Not a property of a {self.type.value} field."
            )
        ge, le = self.properties.get("ge"), self.properties.get("le")
        if ge is not None and le is not None and ge > le:
            raise InvariantViolation("properties.le", GE_ABOVE_LE)
        low, high = self.properties.get("min_length"), self.properties.get("max_length")
        if low is not None and high is not None and low > high:
            raise InvariantViolation(
                "properties.max_length", "max_length must be greater than or equal to min_length"
            )
        if self.type is CustomFieldType.select and not self.properties.get("options"):
            raise InvariantViolation("properties.options", "At least one option is needed.")

    def revise(self, changes: Mapping[str, Any]) -> None:
        """Apply `changes` (attribute → value) if the result keeps every rule; else change
        nothing. The type never changes."""
        if changes.get("type", self.type) is not self.type:
            raise InvariantViolation("type", "The type of a custom field can't be changed.")
        candidate = replace(self, **changes)
        candidate.validate()
        for name in changes:
            setattr(self, name, getattr(candidate, name))


@dataclass(frozen=True)
class AttachedCustomField:
    """A custom field attached to a resource, in its order, answered or not as `required`."""

    custom_field: CustomField
    required: bool
    order: int = 0


class CustomFieldDataInvalid(InvariantViolation):
    """Answers that break the attached fields' rules: every `(slug, message)` in `errors`; the
    first one is the violation's own field and message."""

    def __init__(self, errors: Sequence[tuple[str, str]]) -> None:
        super().__init__(errors[0][0], errors[0][1])
        self.errors = list(errors)


_MISSING = object()


def _timestamp_date(value: int) -> date:
    return datetime.fromtimestamp(value, UTC).date()


def _as_date(value: Any) -> date | None:
    """An ISO date or date-time (a `Z` suffix allowed), else None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.date()


def _check(custom_field: CustomField, required: bool, value: Any) -> tuple[Any, str | None]:
    """The answer to keep for one field, or the reason it is refused."""
    kind, properties = custom_field.type, custom_field.properties
    absent = value is _MISSING or value is None or (kind is CustomFieldType.text and value == "")
    if kind is CustomFieldType.checkbox:
        if absent:
            return (None, "Field required") if required else (False, None)
        if not isinstance(value, bool):
            return None, "Input should be a valid boolean"
        if required and value is not True:
            return None, "Input should be True"
        return value, None
    if absent:
        return (None, "Field required") if required else (None, None)
    if kind is CustomFieldType.text:
        if not isinstance(value, str):
            return None, "Input should be a valid string"
        low, high = properties.get("min_length"), properties.get("max_length")
        if low is not None and len(value) < low:
            return None, f"String should have at least {low} characters"
        if high is not None and len(value) > high:
            return None, f"String should have at most {high} characters"
        return value, None
    if kind is CustomFieldType.number:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            return None, "Input should be a valid integer"
        ge, le = properties.get("ge", INT32_MIN), properties.get("le", INT32_MAX)
        if value < ge:
            return None, f"Input should be greater than or equal to {ge}"
        if value > le:
            return None, f"Input should be less than or equal to {le}"
        return value, None
    if kind is CustomFieldType.date:
        day = _as_date(value)
        if day is None:
            return None, "Input should be a valid date"
        ge, le = properties.get("ge"), properties.get("le")
        if ge is not None and day < _timestamp_date(ge):
            return None, f"Input should be greater than or equal to {_timestamp_date(ge)}"
        if le is not None and day > _timestamp_date(le):
            return None, f"Input should be less than or equal to {_timestamp_date(le)}"
        return value, None
    # select
    values = [option["value"] for option in properties.get("options", [])]
    if value not in values:
        return None, "Input should be " + " or ".join(repr(v) for v in values)
    return value, None


def validate_custom_field_data(
    fields: Sequence[AttachedCustomField], data: Mapping[str, Any] | None
) -> dict[str, Any]:
    """A customer's answers (slug → value) checked against the attached `fields`: each one
    present and non-empty when required (a required checkbox must be checked), of its type
    (text: a string; number: an integer; date: an ISO date or date-time; checkbox: a boolean;
    select: one of the options' values) and within its bounds.

    Returns the answers to store: one per attached field (unanswered optional ones `None`, an
    unanswered checkbox `False`), answers to fields not attached dropped. Raises
    CustomFieldDataInvalid with every refused answer.
    """
    data = data or {}
    kept: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    for attached in sorted(fields, key=lambda a: a.order):
        slug = attached.custom_field.slug
        value, error = _check(attached.custom_field, attached.required, data.get(slug, _MISSING))
        if error is not None:
            errors.append((slug, error))
        else:
            kept[slug] = value
    if errors:
        raise CustomFieldDataInvalid(errors)
    return kept
