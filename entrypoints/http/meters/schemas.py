"""Wire format of meters (Polar's `Meter`, with its `Filter` and aggregations)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import UUID4, Field

from application.kit.metadata import MetadataValue
from domain.meter import Meter, aggregation_document, filter_document
from entrypoints.http.kit.responses import Wire, wire_format
from entrypoints.http.kit.schemas import Schema


class FilterClause(Schema):
    property: str
    operator: Literal["eq", "ne", "gt", "gte", "lt", "lte", "like", "not_like"]
    value: bool | int | str


class Filter(Schema):
    conjunction: Literal["and", "or"]
    clauses: list[FilterClause | Filter]


class CountAggregation(Schema):
    func: Literal["count"]


class PropertyAggregation(Schema):
    func: Literal["sum", "max", "min", "avg"]
    property: str


class UniqueAggregation(Schema):
    func: Literal["unique"]
    property: str


class MeterSchema(Schema):
    metadata: dict[str, MetadataValue]
    created_at: datetime
    modified_at: datetime | None
    id: UUID4
    name: str
    unit: Literal["scalar", "token", "custom"]
    custom_label: str | None
    custom_multiplier: int | None
    filter: Filter
    aggregation: Annotated[
        CountAggregation | PropertyAggregation | UniqueAggregation, Field(discriminator="func")
    ]
    organization_id: UUID4
    archived_at: datetime | None


@wire_format(MeterSchema)
def meter_wire(m: Meter) -> Wire:
    """A meter's wire document, in MeterSchema's field order."""
    return {
        "metadata": m.metadata,
        "created_at": m.created_at,
        "modified_at": m.modified_at,
        "id": m.id,
        "name": m.name,
        "unit": m.unit.value,
        "custom_label": m.custom_label,
        "custom_multiplier": m.custom_multiplier,
        "filter": filter_document(m.filter),
        "aggregation": aggregation_document(m.aggregation),
        "organization_id": m.organization_id,
        "archived_at": m.archived_at,
    }
