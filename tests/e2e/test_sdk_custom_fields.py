"""The official client, unchanged, managing custom fields on a running Meridian."""

from __future__ import annotations

import uuid

import pytest
from polar.v2026_10 import Polar
from polar.v2026_10.errors import HTTPValidationError, ResourceNotFound
from polar.v2026_10.outputs import (
    CustomFieldCheckbox,
    CustomFieldDate,
    CustomFieldNumber,
    CustomFieldSelect,
    CustomFieldText,
)

from tests.e2e.processes import ApiProcess

pytestmark = pytest.mark.e2e


def test_polar_sdk_manages_custom_fields(running: tuple[ApiProcess, dict[str, str]]) -> None:
    api, tokens = running
    organization_id = tokens["organization_id"]
    with Polar(tokens["organization_access_token"], base_url=api.base_url, timeout=30) as polar:
        text = polar.custom_fields.create(
            type="text",
            slug="company",
            name="Company",
            properties={"form_label": "Your company", "textarea": True, "max_length": 100},
            metadata={"source": "sdk"},
        )
        assert isinstance(text, CustomFieldText)
        assert (text.slug, text.name, text.organization_id) == (
            "company",
            "Company",
            organization_id,
        )
        assert text.properties.form_label == "Your company"
        assert (text.properties.textarea, text.properties.max_length) == (True, 100)
        assert text.properties.min_length is None
        assert text.metadata == {"source": "sdk"}

        number = polar.custom_fields.create(
            type="number", slug="seats", name="Seats", properties={"ge": 1, "le": 50}
        )
        assert isinstance(number, CustomFieldNumber)
        assert (number.properties.ge, number.properties.le) == (1, 50)
        date = polar.custom_fields.create(
            type="date", slug="birthday", name="Birthday", properties={"le": 1798675200}
        )
        assert isinstance(date, CustomFieldDate)
        checkbox = polar.custom_fields.create(
            type="checkbox", slug="terms", name="Terms", properties={"form_label": "I agree"}
        )
        assert isinstance(checkbox, CustomFieldCheckbox)
        select = polar.custom_fields.create(
            type="select",
            slug="size",
            name="Size",
            properties={
                "options": [{"value": "s", "label": "Small"}, {"value": "l", "label": "L"}]
            },
        )
        assert isinstance(select, CustomFieldSelect)
        assert [o.value for o in select.properties.options] == ["s", "l"]

        assert polar.custom_fields.get(text.id) == text
        with pytest.raises(HTTPValidationError):
            polar.custom_fields.create(type="text", slug="company", name="Again", properties={})
        with pytest.raises(HTTPValidationError):
            polar.custom_fields.create(
                type="number", slug="bounds", name="Bounds", properties={"ge": 5, "le": 1}
            )
        with pytest.raises(ResourceNotFound):
            polar.custom_fields.get(str(uuid.uuid4()))

        updated = polar.custom_fields.update(
            select.id,
            type="select",
            name="T-shirt size",
            properties={"options": [{"value": "m", "label": "Medium"}]},
        )
        assert isinstance(updated, CustomFieldSelect)
        assert updated.name == "T-shirt size"
        assert [o.value for o in updated.properties.options] == ["m"]
        assert updated.modified_at is not None
        with pytest.raises(HTTPValidationError):
            polar.custom_fields.update(select.id, type="text", name="Changed type")

        ids = [f.id for f in polar.custom_fields.list(limit=100).items]
        assert ids == [date.id, text.id, number.id, select.id, checkbox.id]  # by slug
        by_type = polar.custom_fields.list(type=["select", "checkbox"], sorting=["-slug"])
        assert [f.id for f in by_type.items] == [checkbox.id, select.id]
        assert [f.id for f in polar.custom_fields.list(query="comp").items] == [text.id]
        assert polar.custom_fields.list(organization_id=organization_id).pagination.total_count == 5

        product = polar.products.create(
            name="Shirt",
            prices=[{"amount_type": "fixed", "price_amount": 1000, "price_currency": "usd"}],
            attached_custom_fields=[
                {"custom_field_id": select.id, "required": True},
                {"custom_field_id": text.id, "required": False},
            ],
        )
        assert [
            (a.custom_field_id, a.order, a.required) for a in product.attached_custom_fields
        ] == [
            (select.id, 0, True),
            (text.id, 1, False),
        ]
        assert isinstance(product.attached_custom_fields[0].custom_field, CustomFieldSelect)
        assert (
            polar.products.get(product.id).attached_custom_fields == product.attached_custom_fields
        )

        polar.custom_fields.delete(text.id)
        remaining = polar.products.get(product.id).attached_custom_fields
        assert [a.custom_field_id for a in remaining] == [select.id]
        with pytest.raises(ResourceNotFound):
            polar.custom_fields.get(text.id)
        with pytest.raises(ResourceNotFound):
            polar.custom_fields.delete(text.id)

    with Polar(tokens["personal_access_token"], base_url=api.base_url, timeout=30) as polar:
        # A user token names the organization; the deleted field's slug is free again.
        again = polar.custom_fields.create(
            type="text",
            slug="company",
            name="Company",
            properties={},
            organization_id=organization_id,
        )
        everything = list(polar.custom_fields.iter_list(limit=2, organization_id=[organization_id]))
        assert {f.id for f in everything} == {again.id, number.id, date.id, checkbox.id, select.id}
