"""Inputs of the meter use cases (also the request bodies of the HTTP API).

The shapes follow the client's `MeterCreate`, `MeterUpdate`, `Filter`, `FilterClause` and the
three aggregations. Types are checked here; the rules (a custom unit has a label, `like` compares
text, a filter's size and depth) are the domain's (domain/meter.py).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import Discriminator, Field, StrictBool, StrictInt, StringConstraints

from application.kit.inputs import Command, JsonInt
from application.kit.metadata import MAX_INTEGER, MIN_INTEGER, MetadataInput
from domain.meter import (
    CUSTOM_LABEL_MAX_LENGTH,
    MAX_FILTER_CLAUSES,
    NAME_MAX_LENGTH,
    PROPERTY_MAX_LENGTH,
    FilterConjunction,
    FilterOperator,
    MeterUnit,
)

MeterName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX_LENGTH)
]
# At least one character that is not a space (the name itself is kept as sent).
PropertyName = Annotated[
    str, StringConstraints(min_length=1, max_length=PROPERTY_MAX_LENGTH, pattern=r"\S")
]
CustomLabel = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=CUSTOM_LABEL_MAX_LENGTH)
]
# Event properties are compared as JSON numbers; wider integers would come back as floats.
ClauseInteger = Annotated[StrictInt, Field(ge=MIN_INTEGER, le=MAX_INTEGER)]


class FilterClauseInput(Command):
    property: PropertyName
    operator: FilterOperator
    # Strict: `true` stays a boolean and `1` an integer, as the event properties they meet.
    value: StrictBool | ClauseInteger | str


class FilterInput(Command):
    conjunction: FilterConjunction
    clauses: Annotated[
        list[FilterClauseInput | FilterInput], Field(max_length=MAX_FILTER_CLAUSES)
    ] = Field(default_factory=list)


class CountAggregationInput(Command):
    func: Literal["count"]


class PropertyAggregationInput(Command):
    func: Literal["sum", "max", "min", "avg"]
    property: PropertyName


class UniqueAggregationInput(Command):
    func: Literal["unique"]
    property: PropertyName


AggregationInput = Annotated[
    CountAggregationInput | PropertyAggregationInput | UniqueAggregationInput,
    Discriminator("func"),
]


class MeterCreate(Command):
    name: MeterName
    unit: MeterUnit = MeterUnit.scalar
    custom_label: CustomLabel | None = None
    custom_multiplier: JsonInt | None = None
    filter: FilterInput
    aggregation: AggregationInput
    organization_id: uuid.UUID | None = None
    metadata: MetadataInput = Field(default_factory=dict)


class MeterUpdate(Command):
    """Fields left out are unchanged; `null` leaves them as they are too, except the custom
    unit's label and multiplier, which it clears."""

    name: MeterName | None = None
    unit: MeterUnit | None = None
    custom_label: CustomLabel | None = None
    custom_multiplier: JsonInt | None = None
    filter: FilterInput | None = None
    aggregation: AggregationInput | None = None
    metadata: MetadataInput | None = None
    is_archived: StrictBool | None = None
