"""Custom field rules and the check of a customer's answers (domain/custom_field.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.custom_field import (
    GE_ABOVE_LE,
    AttachedCustomField,
    CustomField,
    CustomFieldDataInvalid,
    CustomFieldType,
    validate_custom_field_data,
)
from domain.errors import InvariantViolation

AT = datetime(2026, 1, 1, tzinfo=UTC)
# 2026-01-01 and 2026-12-31, as Unix timestamps.
JAN_1, DEC_31 = 1767225600, 1798675200


def _field(type: str, slug: str | None = None, **properties: Any) -> CustomField:
    return CustomField.create(
        at=AT,
        organization_id=uuid.uuid4(),
        type=CustomFieldType(type),
        slug=slug or type,
        name=type.title(),
        properties=properties,
    )


def _attached(*fields: tuple[CustomField, bool]) -> list[AttachedCustomField]:
    return [AttachedCustomField(f, required, order) for order, (f, required) in enumerate(fields)]


def _errors(fields: list[AttachedCustomField], data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(CustomFieldDataInvalid) as raised:
        validate_custom_field_data(fields, data)
    return raised.value.errors


class TestField:
    def test_slug_and_name(self) -> None:
        with pytest.raises(InvariantViolation) as error:
            _field("text", slug="Not a slug")
        assert error.value.field == "slug"
        with pytest.raises(InvariantViolation) as error:
            CustomField.create(
                at=AT, organization_id=uuid.uuid4(), type=CustomFieldType.text, slug="s", name=""
            )
        assert error.value.field == "name"

    def test_bounds_are_ordered(self) -> None:
        with pytest.raises(InvariantViolation) as error:
            _field("number", ge=10, le=1)
        assert (error.value.field, error.value.message) == ("properties.le", GE_ABOVE_LE)
        with pytest.raises(InvariantViolation) as error:
            _field("text", min_length=5, max_length=2)
        assert error.value.field == "properties.max_length"
        assert _field("number", ge=1, le=1).properties == {"ge": 1, "le": 1}

    def test_properties_belong_to_the_type(self) -> None:
        with pytest.raises(InvariantViolation) as error:
            _field("checkbox", ge=1)
        assert error.value.field == "properties.ge"
        with pytest.raises(InvariantViolation) as error:
            _field("select")
        assert error.value.field == "properties.options"

    def test_the_type_never_changes_and_a_refused_change_changes_nothing(self) -> None:
        field = _field("text")
        with pytest.raises(InvariantViolation) as error:
            field.revise({"type": CustomFieldType.number, "name": "Other"})
        assert error.value.field == "type"
        with pytest.raises(InvariantViolation):
            field.revise({"name": "Other", "slug": "BAD SLUG"})
        assert (field.name, field.slug) == ("Text", "text")
        field.revise({"name": "Other", "properties": {"textarea": True}})
        assert (field.name, field.properties) == ("Other", {"textarea": True})


class TestData:
    def test_answers_are_kept_and_unanswered_optional_ones_are_empty(self) -> None:
        fields = _attached(
            (_field("text", min_length=2, max_length=5), True),
            (_field("number", ge=0, le=10), True),
            (_field("date", ge=JAN_1, le=DEC_31), True),
            (_field("checkbox"), True),
            (_field("select", options=[{"value": "a", "label": "A"}]), True),
            (_field("text", slug="note"), False),
            (_field("checkbox", slug="newsletter"), False),
        )
        data = {
            "text": "hey",
            "number": 10.0,
            "date": "2026-06-01",
            "checkbox": True,
            "select": "a",
            "unknown": "dropped",
        }
        assert validate_custom_field_data(fields, data) == {
            "text": "hey",
            "number": 10,
            "date": "2026-06-01",
            "checkbox": True,
            "select": "a",
            "note": None,
            "newsletter": False,
        }

    def test_required_fields_need_an_answer(self) -> None:
        fields = _attached(
            (_field("text"), True),
            (_field("number"), True),
            (_field("date"), True),
            (_field("checkbox"), True),
            (_field("select", options=[{"value": "a", "label": "A"}]), True),
        )
        assert _errors(fields, {"text": "", "number": None}) == [
            ("text", "Field required"),
            ("number", "Field required"),
            ("date", "Field required"),
            ("checkbox", "Field required"),
            ("select", "Field required"),
        ]
        assert validate_custom_field_data(fields[:1], {"text": " "}) == {"text": " "}
        assert _errors(fields[3:4], {"checkbox": False}) == [("checkbox", "Input should be True")]
        assert validate_custom_field_data([], None) == {}

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            (("text", {}), 3, "Input should be a valid string"),
            (("text", {"min_length": 2}), "a", "String should have at least 2 characters"),
            (("text", {"max_length": 2}), "abc", "String should have at most 2 characters"),
            (("number", {}), "3", "Input should be a valid integer"),
            (("number", {}), True, "Input should be a valid integer"),
            (("number", {}), 1.5, "Input should be a valid integer"),
            (("number", {"ge": 1}), 0, "Input should be greater than or equal to 1"),
            (("number", {"le": 1}), 2, "Input should be less than or equal to 1"),
            (("number", {}), 2**31, f"Input should be less than or equal to {2**31 - 1}"),
            (("date", {}), "01/02/2026", "Input should be a valid date"),
            (("date", {}), 20260102, "Input should be a valid date"),
            (
                ("date", {"ge": JAN_1}),
                "2025-12-31",
                "Input should be greater than or equal to 2026-01-01",
            ),
            (
                ("date", {"le": DEC_31}),
                "2027-01-01T00:00:00Z",
                "Input should be less than or equal to 2026-12-31",
            ),
            (("checkbox", {}), "yes", "Input should be a valid boolean"),
            (
                (
                    "select",
                    {"options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}]},
                ),
                "c",
                "Input should be 'a' or 'b'",
            ),
        ],
    )
    def test_answers_of_the_wrong_type_or_out_of_bounds(
        self, field: tuple[str, dict[str, Any]], value: Any, message: str
    ) -> None:
        type, properties = field
        fields = _attached((_field(type, **properties), False))
        assert _errors(fields, {type: value}) == [(type, message)]

    def test_every_refused_answer_is_reported(self) -> None:
        fields = _attached((_field("text", max_length=1), False), (_field("number", le=0), True))
        with pytest.raises(CustomFieldDataInvalid) as raised:
            validate_custom_field_data(fields, {"text": "long", "number": 5})
        assert [slug for slug, _ in raised.value.errors] == ["text", "number"]
        assert raised.value.field == "text"  # as an InvariantViolation: the first one
