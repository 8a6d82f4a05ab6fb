"""Wire format of custom fields (Polar's `CustomField`: `CustomFieldText`, `CustomFieldNumber`,
`CustomFieldDate`, `CustomFieldCheckbox` and `CustomFieldSelect`, told apart by `type`).

Properties are shown as stored: a property that was never set is absent, as in Polar.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, NotRequired

from pydantic import UUID4, Field
from typing_extensions import TypedDict

from domain.custom_field import TYPE_PROPERTIES, CustomField, MetadataValue
from entrypoints.http.kit.responses import Wire, wire_format
from entrypoints.http.kit.schemas import Schema


class CustomFieldCheckboxProperties(TypedDict):
    form_label: NotRequired[str]
    form_help_text: NotRequired[str]
    form_placeholder: NotRequired[str]


class CustomFieldTextProperties(CustomFieldCheckboxProperties):
    textarea: NotRequired[bool]
    min_length: NotRequired[int]
    max_length: NotRequired[int]


class CustomFieldNumberProperties(CustomFieldCheckboxProperties):
    ge: NotRequired[int]
    le: NotRequired[int]


class CustomFieldDateProperties(CustomFieldCheckboxProperties):
    ge: NotRequired[int]
    le: NotRequired[int]


class CustomFieldSelectOption(TypedDict):
    value: str
    label: str


class CustomFieldSelectProperties(CustomFieldCheckboxProperties):
    options: list[CustomFieldSelectOption]


class _CustomFieldBase(Schema):
    created_at: datetime = Field(description="Creation timestamp of the object.")
    modified_at: datetime | None = Field(description="Last modification timestamp of the object.")
    id: UUID4 = Field(description="The ID of the object.")
    metadata: dict[str, MetadataValue]


class CustomFieldText(_CustomFieldBase):
    """Schema for a custom field of type text."""

    type: Literal["text"]
    slug: str
    name: str
    organization_id: UUID4
    properties: CustomFieldTextProperties


class CustomFieldNumber(_CustomFieldBase):
    """Schema for a custom field of type number."""

    type: Literal["number"]
    slug: str
    name: str
    organization_id: UUID4
    properties: CustomFieldNumberProperties


class CustomFieldDate(_CustomFieldBase):
    """Schema for a custom field of type date."""

    type: Literal["date"]
    slug: str
    name: str
    organization_id: UUID4
    properties: CustomFieldDateProperties


class CustomFieldCheckbox(_CustomFieldBase):
    """Schema for a custom field of type checkbox."""

    type: Literal["checkbox"]
    slug: str
    name: str
    organization_id: UUID4
    properties: CustomFieldCheckboxProperties


class CustomFieldSelect(_CustomFieldBase):
    """Schema for a custom field of type select."""

    type: Literal["select"]
    slug: str
    name: str
    organization_id: UUID4
    properties: CustomFieldSelectProperties


CustomFieldSchema = Annotated[
    CustomFieldText | CustomFieldNumber | CustomFieldDate | CustomFieldCheckbox | CustomFieldSelect,
    Field(discriminator="type", title="CustomField"),
]


@wire_format(CustomFieldSchema)
def custom_field_wire(f: CustomField) -> Wire:
    """A custom field's wire document, in the field order of its schema."""
    return {
        "created_at": f.created_at,
        "modified_at": f.modified_at,
        "id": f.id,
        "metadata": f.metadata,
        "type": f.type.value,
        "slug": f.slug,
        "name": f.name,
        "organization_id": f.organization_id,
        "properties": _properties(f),
    }


def _properties(f: CustomField) -> Wire:
    """The properties set, in the order of the type's schema (JSONB keeps its own order)."""
    shown: Wire = {}
    for key in TYPE_PROPERTIES[f.type]:
        if key not in f.properties:
            continue
        value = f.properties[key]
        if key == "options":
            value = [{"value": o["value"], "label": o["label"]} for o in value]
        shown[key] = value
    return shown
