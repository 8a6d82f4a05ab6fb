"""Meters: what a merchant counts from usage events, and in which unit.

A meter picks events by a filter (clauses on event properties, joined by `and` or `or`, nested)
and turns the picked events into one quantity by an aggregation (count them, or sum, min, max,
average or count the distinct values of a property). Metered prices bill that quantity and
meter-credit benefits credit units on it. Events themselves arrive with the usage module; here a
meter is its definition and the rules that keep that definition usable.

A meter is never deleted: prices and past usage point at it. It is archived instead, which
keeps it readable but stops new prices from using it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.base import Entity
from domain.errors import InvariantViolation

NAME_MAX_LENGTH = 256
CUSTOM_LABEL_MAX_LENGTH = 64
PROPERTY_MAX_LENGTH = 256
STRING_VALUE_MAX_LENGTH = 1000
MAX_MULTIPLIER = 1_000_000_000
# A filter is read on every ingested event: bound its size and depth.
MAX_FILTER_CLAUSES = 50
MAX_FILTER_DEPTH = 4


class MeterUnit(StrEnum):
    scalar = "scalar"
    token = "token"  # noqa: S105 (a unit of measure, not a secret)
    custom = "custom"


class FilterConjunction(StrEnum):
    and_ = "and"
    or_ = "or"


class FilterOperator(StrEnum):
    eq = "eq"
    ne = "ne"
    gt = "gt"
    gte = "gte"
    lt = "lt"
    lte = "lte"
    like = "like"
    not_like = "not_like"


class AggregationFunction(StrEnum):
    cnt = "count"  # not `count`: that would hide str.count
    sum = "sum"
    max = "max"
    min = "min"
    avg = "avg"
    unique = "unique"


@dataclass(frozen=True)
class FilterClause:
    """`property operator value`, e.g. `name eq "api_call"` or `metadata.tokens gt 0`."""

    property: str
    operator: FilterOperator
    value: str | int | bool


@dataclass(frozen=True)
class Filter:
    conjunction: FilterConjunction
    clauses: tuple[FilterClause | Filter, ...] = ()


@dataclass(frozen=True)
class Aggregation:
    """`count` counts the events; every other function reads `property` of each event."""

    func: AggregationFunction
    property: str | None = None


def _check_property(loc: str, name: str) -> None:
    if not name.strip() or len(name) > PROPERTY_MAX_LENGTH:
        raise InvariantViolation(loc, f"A property name of 1 to {PROPERTY_MAX_LENGTH} characters.")


def validate_filter(root: Filter, loc: str = "filter") -> None:
    """Every clause names a property; `like` compares text; the tree stays small."""
    count = 0

    def walk(node: Filter, where: str, depth: int) -> None:
        nonlocal count
        if depth > MAX_FILTER_DEPTH:
            raise InvariantViolation(where, f"Filters nest at most {MAX_FILTER_DEPTH} levels deep.")
        for index, clause in enumerate(node.clauses):
            at = f"{where}.clauses.{index}"
            if isinstance(clause, Filter):
                walk(clause, at, depth + 1)
                continue
            count += 1
            if count > MAX_FILTER_CLAUSES:
                raise InvariantViolation(at, f"A filter has at most {MAX_FILTER_CLAUSES} clauses.")
            _check_property(f"{at}.property", clause.property)
            if isinstance(clause.value, str) and len(clause.value) > STRING_VALUE_MAX_LENGTH:
                raise InvariantViolation(
                    f"{at}.value", f"At most {STRING_VALUE_MAX_LENGTH} characters."
                )
            if clause.operator in (FilterOperator.like, FilterOperator.not_like) and not isinstance(
                clause.value, str
            ):
                raise InvariantViolation(f"{at}.value", "like and not_like compare with text.")

    walk(root, loc, 1)


def validate_aggregation(aggregation: Aggregation, loc: str = "aggregation") -> None:
    if aggregation.func is AggregationFunction.cnt:
        if aggregation.property is not None:
            raise InvariantViolation(f"{loc}.property", "count reads no property.")
        return
    if aggregation.property is None:
        raise InvariantViolation(f"{loc}.property", f"{aggregation.func.value} reads a property.")
    _check_property(f"{loc}.property", aggregation.property)


@dataclass(frozen=True)
class MeterSummary:
    """What a metered price shows of its meter: which one, its name and its unit."""

    id: uuid.UUID
    name: str
    unit: MeterUnit
    custom_label: str | None = None
    custom_multiplier: int | None = None


@dataclass(kw_only=True)
class Meter(Entity):
    organization_id: uuid.UUID
    name: str
    filter: Filter
    aggregation: Aggregation
    unit: MeterUnit = MeterUnit.scalar
    # For `custom` units only: what one unit is called, and how many base units it shows as.
    custom_label: str | None = None
    custom_multiplier: int | None = None
    metadata: dict[str, str | int | float | bool] = field(default_factory=dict)
    archived_at: datetime | None = None

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def summary(self) -> MeterSummary:
        return MeterSummary(
            self.id, self.name, self.unit, self.custom_label, self.custom_multiplier
        )

    def validate(self) -> None:
        name = self.name.strip()
        if not 1 <= len(name) <= NAME_MAX_LENGTH:
            raise InvariantViolation("name", f"Name must be 1 to {NAME_MAX_LENGTH} characters.")
        self.name = name
        self._validate_unit()
        validate_filter(self.filter)
        validate_aggregation(self.aggregation)

    def _validate_unit(self) -> None:
        if self.unit is not MeterUnit.custom:
            for name in ("custom_label", "custom_multiplier"):
                if getattr(self, name) is not None:
                    raise InvariantViolation(name, "Only a custom unit has a label and multiplier.")
            return
        label = (self.custom_label or "").strip()
        if not 1 <= len(label) <= CUSTOM_LABEL_MAX_LENGTH:
            raise InvariantViolation(
                "custom_label",
                f"A custom unit needs a label of 1 to {CUSTOM_LABEL_MAX_LENGTH} characters.",
            )
        self.custom_label = label
        if self.custom_multiplier is None:
            self.custom_multiplier = 1
        if not 1 <= self.custom_multiplier <= MAX_MULTIPLIER:
            raise InvariantViolation(
                "custom_multiplier", f"Must be between 1 and {MAX_MULTIPLIER}."
            )

    def archive(self, at: datetime) -> None:
        if self.archived_at is None:
            self.archived_at = at
            self.modified_at = at

    def unarchive(self, at: datetime) -> None:
        if self.archived_at is not None:
            self.archived_at = None
            self.modified_at = at


# Plain forms (JSON-ready dicts, the wire format's shape): how adapters store a meter's
# definition and how the API shows it.


def filter_document(node: Filter) -> dict[str, Any]:
    return {
        "conjunction": node.conjunction.value,
        "clauses": [
            filter_document(c)
            if isinstance(c, Filter)
            else {"property": c.property, "operator": c.operator.value, "value": c.value}
            for c in node.clauses
        ],
    }


def filter_from_document(document: Mapping[str, Any]) -> Filter:
    clauses = document["clauses"]
    return Filter(
        conjunction=FilterConjunction(document["conjunction"]),
        clauses=tuple(
            filter_from_document(c)
            if "conjunction" in c
            else FilterClause(c["property"], FilterOperator(c["operator"]), c["value"])
            for c in clauses
        ),
    )


def aggregation_document(aggregation: Aggregation) -> dict[str, Any]:
    if aggregation.property is None:
        return {"func": aggregation.func.value}
    return {"func": aggregation.func.value, "property": aggregation.property}


def aggregation_from_document(document: Mapping[str, Any]) -> Aggregation:
    return Aggregation(AggregationFunction(document["func"]), document.get("property"))
