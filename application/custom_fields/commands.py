"""Inputs of the custom field use cases (also the request bodies of the HTTP API).

The shapes follow the client's `CustomFieldCreate{Text,Number,Date,Checkbox,Select}` and
`CustomFieldUpdate…`, told apart by `type`. As in Polar, a property sent as `null` or `""` is
unset, a slug is lower-cased, and integers are 32-bit (lengths not negative). The rules across
fields (ge ≤ le, a slug free in the organization, a type that never changes) are the domain's
and the service's.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Discriminator, Field, StringConstraints

from application.kit.inputs import Command, JsonInt
from application.kit.metadata import MetadataInput
from domain.custom_field import INT32_MAX, INT32_MIN

Slug = Annotated[
    str,
    StringConstraints(to_lower=True, min_length=1, max_length=256, pattern=r"^[a-z0-9\-_]+$"),
    Field(
        description="Identifier of the custom field. It'll be used as key when storing the "
        "value. Must be unique across the organization.It can only contain ASCII letters, "
        "numbers and hyphens."
    ),
]
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=256),
    Field(description="Name of the custom field."),
]
FormText = Annotated[str, StringConstraints(min_length=1, max_length=1000)]
Int32 = Annotated[JsonInt, Field(ge=INT32_MIN, le=INT32_MAX)]
Length = Annotated[JsonInt, Field(ge=0, le=INT32_MAX)]


def _drop_unset(value: Any) -> Any:
    # Polar reads a property sent as null or "" as not set.
    if isinstance(value, dict):
        return {key: item for key, item in value.items() if item not in (None, "")}
    return value


class _Properties(Command):
    form_label: FormText | None = None
    form_help_text: FormText | None = None
    form_placeholder: FormText | None = None

    def document(self) -> dict[str, Any]:
        """The properties set, as stored."""
        return self.model_dump(exclude_none=True)


class TextProperties(_Properties):
    textarea: bool | None = None
    min_length: Length | None = None
    max_length: Length | None = None


class NumberProperties(_Properties):
    ge: Int32 | None = None
    le: Int32 | None = None


class DateProperties(NumberProperties):
    pass


class CheckboxProperties(_Properties):
    pass


class SelectOption(Command):
    value: Annotated[str, StringConstraints(min_length=1, max_length=1000)]
    label: Annotated[str, StringConstraints(min_length=1, max_length=1000)]


class SelectProperties(_Properties):
    options: Annotated[list[SelectOption], Field(min_length=1, max_length=1000)]


_UNSET_DROPPED = BeforeValidator(_drop_unset)
TextPropertiesInput = Annotated[TextProperties, _UNSET_DROPPED]
NumberPropertiesInput = Annotated[NumberProperties, _UNSET_DROPPED]
DatePropertiesInput = Annotated[DateProperties, _UNSET_DROPPED]
CheckboxPropertiesInput = Annotated[CheckboxProperties, _UNSET_DROPPED]
SelectPropertiesInput = Annotated[SelectProperties, _UNSET_DROPPED]


class _CustomFieldCreate(Command):
    slug: Slug
    name: Name
    organization_id: uuid.UUID | None = Field(
        default=None,
        description="The ID of the organization owning the custom field. **Required unless "
        "you use an organization token.**",
    )
    metadata: MetadataInput = Field(default_factory=dict)


class CustomFieldCreateText(_CustomFieldCreate):
    """Schema to create a custom field of type text."""

    type: Literal["text"]
    properties: TextPropertiesInput


class CustomFieldCreateNumber(_CustomFieldCreate):
    """Schema to create a custom field of type number."""

    type: Literal["number"]
    properties: NumberPropertiesInput


class CustomFieldCreateDate(_CustomFieldCreate):
    """Schema to create a custom field of type date."""

    type: Literal["date"]
    properties: DatePropertiesInput


class CustomFieldCreateCheckbox(_CustomFieldCreate):
    """Schema to create a custom field of type checkbox."""

    type: Literal["checkbox"]
    properties: CheckboxPropertiesInput


class CustomFieldCreateSelect(_CustomFieldCreate):
    """Schema to create a custom field of type select."""

    type: Literal["select"]
    properties: SelectPropertiesInput


CustomFieldCreate = Annotated[
    CustomFieldCreateText
    | CustomFieldCreateNumber
    | CustomFieldCreateDate
    | CustomFieldCreateCheckbox
    | CustomFieldCreateSelect,
    Discriminator("type"),
]


class _CustomFieldUpdate(Command):
    """Fields left out (or `null`) are unchanged; `properties`, when sent, replaces them
    whole."""

    metadata: MetadataInput | None = None
    name: Name | None = None
    slug: Slug | None = None


class CustomFieldUpdateText(_CustomFieldUpdate):
    """Schema to update a custom field of type text."""

    type: Literal["text"]
    properties: TextPropertiesInput | None = None


class CustomFieldUpdateNumber(_CustomFieldUpdate):
    """Schema to update a custom field of type number."""

    type: Literal["number"]
    properties: NumberPropertiesInput | None = None


class CustomFieldUpdateDate(_CustomFieldUpdate):
    """Schema to update a custom field of type date."""

    type: Literal["date"]
    properties: DatePropertiesInput | None = None


class CustomFieldUpdateCheckbox(_CustomFieldUpdate):
    """Schema to update a custom field of type checkbox."""

    type: Literal["checkbox"]
    properties: CheckboxPropertiesInput | None = None


class CustomFieldUpdateSelect(_CustomFieldUpdate):
    """Schema to update a custom field of type select."""

    type: Literal["select"]
    properties: SelectPropertiesInput | None = None


CustomFieldUpdate = Annotated[
    CustomFieldUpdateText
    | CustomFieldUpdateNumber
    | CustomFieldUpdateDate
    | CustomFieldUpdateCheckbox
    | CustomFieldUpdateSelect,
    Discriminator("type"),
]
