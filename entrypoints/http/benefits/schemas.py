"""Wire format of benefits (Polar's `Benefit<Type>` models).

Every type shares the same fields; `properties` is the object the type's strategy stored, which
is already in the wire format's shape. The client picks the model by `type`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import UUID4

from application.kit.metadata import MetadataValue
from domain.benefit import Benefit
from entrypoints.http.kit.responses import Wire, wire_format
from entrypoints.http.kit.schemas import Schema


class BenefitSchema(Schema):
    id: UUID4
    created_at: datetime
    modified_at: datetime | None
    type: str
    description: str
    selectable: bool
    deletable: bool
    is_deleted: bool
    organization_id: UUID4
    metadata: dict[str, MetadataValue]
    visibility: str
    properties: dict[str, Any]
    visibility_configurable: bool


@wire_format(BenefitSchema)
def benefit_wire(b: Benefit) -> Wire:
    """A benefit's wire document, in BenefitSchema's field order."""
    return {
        "id": b.id,
        "created_at": b.created_at,
        "modified_at": b.modified_at,
        "type": b.type,
        "description": b.description,
        "selectable": b.selectable,
        "deletable": b.deletable,
        "is_deleted": b.is_deleted,
        "organization_id": b.organization_id,
        "metadata": b.metadata,
        "visibility": b.visibility.value,
        "properties": b.properties,
        "visibility_configurable": True,
    }
