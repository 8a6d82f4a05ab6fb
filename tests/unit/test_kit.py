"""The application kit: pagination, sorting, metadata rules and command input hygiene."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from application.kit.errors import ValidationFailed, invariants_as_validation
from application.kit.inputs import Command
from application.kit.metadata import metadata_errors
from application.kit.pagination import Page, PaginationParams
from application.kit.registry import Registry
from application.kit.sorting import Sorting, parse_sorting
from application.organizations.commands import OrganizationCreate, OrganizationUpdate
from domain.errors import InvariantViolation

# --- pagination ---------------------------------------------------------------------------------


def test_pagination_defaults_to_the_first_page_of_ten() -> None:
    params = PaginationParams()
    assert (params.page, params.limit, params.offset) == (1, 10, 0)


@pytest.mark.parametrize("page", [0, -1])
def test_pages_start_at_one(page: int) -> None:
    with pytest.raises(ValueError, match="page"):
        PaginationParams(page=page)


@pytest.mark.parametrize("limit", [0, -5])
def test_limit_must_be_positive(limit: int) -> None:
    with pytest.raises(ValueError, match="limit"):
        PaginationParams(limit=limit)


@pytest.mark.parametrize(("limit", "effective"), [(1, 1), (100, 100), (101, 100), (10_000, 100)])
def test_limit_above_the_maximum_is_capped(limit: int, effective: int) -> None:
    assert PaginationParams(limit=limit).limit == effective


@pytest.mark.parametrize(
    ("page", "limit", "offset"), [(1, 10, 0), (2, 10, 10), (3, 25, 50), (2, 500, 100)]
)
def test_offset_skips_the_previous_pages(page: int, limit: int, offset: int) -> None:
    assert PaginationParams(page=page, limit=limit).offset == offset


@pytest.mark.parametrize(
    ("total", "limit", "max_page"),
    [(0, 10, 0), (1, 10, 1), (10, 10, 1), (11, 10, 2), (250, 100, 3)],
)
def test_max_page_is_zero_when_empty_and_rounds_up(total: int, limit: int, max_page: int) -> None:
    assert Page(items=[], total_count=total, limit=limit).max_page == max_page


# --- sorting ------------------------------------------------------------------------------------


class Prop(StrEnum):
    created_at = "created_at"
    name = "name"


DEFAULT = [Sorting(Prop.created_at, descending=True)]


def test_sorting_reads_keys_and_the_descending_prefix() -> None:
    assert parse_sorting(["-name", "created_at"], Prop, DEFAULT) == [
        Sorting(Prop.name, descending=True),
        Sorting(Prop.created_at, descending=False),
    ]


def test_no_sorting_gives_the_default() -> None:
    result = parse_sorting([], Prop, DEFAULT)
    assert result == DEFAULT
    result.append(Sorting(Prop.name))
    assert [Sorting(Prop.created_at, descending=True)] == DEFAULT  # a copy was returned


def test_unknown_sort_keys_are_reported_with_their_position() -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_sorting(["name", "-price", "created_at", "--name", "-"], Prop, DEFAULT)
    errors = info.value.errors
    assert [e.loc for e in errors] == [
        ("query", "sorting", 1),
        ("query", "sorting", 3),
        ("query", "sorting", 4),
    ]
    assert [e.input for e in errors] == ["-price", "--name", "-"]
    assert all(e.type == "enum" for e in errors)
    assert "created_at, name" in errors[0].msg


def test_a_property_sorted_twice_is_refused_once_whatever_its_directions() -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_sorting(["name", "-created_at", "-name", "name", "created_at"], Prop, DEFAULT)
    [error] = info.value.errors
    assert error.loc == ("query", "sorting")
    assert error.input == ["name", "-created_at", "-name", "name", "created_at"]
    assert "'name', 'created_at'" in error.msg


def test_a_repeated_property_is_reported_with_unknown_keys() -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_sorting(["name", "bogus", "name"], Prop, DEFAULT)
    assert [e.loc for e in info.value.errors] == [("query", "sorting", 1), ("query", "sorting")]


# --- metadata -----------------------------------------------------------------------------------

LOC = ("body", "metadata")


def test_valid_metadata_has_no_errors() -> None:
    metadata: dict[str, Any] = {
        "plan": "pro",
        "seats": 3,
        "ratio": 0.5,
        "trial": True,
        "k" * 40: "v" * 500,
    }
    assert metadata_errors(metadata, LOC) == []
    assert metadata_errors({}, LOC) == []


def test_at_most_fifty_keys() -> None:
    assert metadata_errors({f"k{i}": i for i in range(50)}, LOC) == []
    errors = metadata_errors({f"k{i}": i for i in range(51)}, LOC)
    assert [e.loc for e in errors] == [LOC]


@pytest.mark.parametrize("key", ["", "k" * 41])
def test_keys_are_one_to_forty_characters(key: str) -> None:
    errors = metadata_errors({key: "v"}, LOC)
    assert [e.loc for e in errors] == [(*LOC, key)]


def test_string_values_are_at_most_500_characters() -> None:
    errors = metadata_errors({"note": "v" * 501}, LOC)
    assert [e.loc for e in errors] == [(*LOC, "note")]


@pytest.mark.parametrize("value", [None, {"a": 1}, ["a"], ("a",), b"bytes"])
def test_nested_and_null_values_are_refused(value: Any) -> None:
    errors = metadata_errors({"key": value}, LOC)
    assert [e.loc for e in errors] == [(*LOC, "key")]
    assert errors[0].input == value


def test_integers_fit_in_64_bits() -> None:
    # Wider ones came back from the database as floats, breaking the wire format.
    assert metadata_errors({"a": 2**63 - 1, "b": -(2**63), "c": True, "d": 1e300}, LOC) == []
    for wide in (2**63, -(2**63) - 1, 2**70):
        errors = metadata_errors({"n": wide}, LOC)
        assert [(e.loc, e.input) for e in errors] == [((*LOC, "n"), wide)]


def test_every_broken_entry_is_reported() -> None:
    errors = metadata_errors({"": 1, "ok": "fine", "bad": None, "long": "v" * 501}, LOC)
    assert sorted(str(e.loc[-1]) for e in errors) == ["", "bad", "long"]


# --- commands refuse NUL ------------------------------------------------------------------------


class Inner(Command):
    text: str = ""


class Sample(Command):
    text: str = ""
    tags: list[str] = []
    grid: list[list[str]] = []
    data: dict[str, Any] = {}
    inner: Inner | None = None


@pytest.mark.parametrize(
    "payload",
    [
        {"text": "a\x00b"},
        {"tags": ["fine", "bad\x00"]},
        {"grid": [["ok"], ["\x00"]]},
        {"data": {"key": "va\x00lue"}},
        {"data": {"ke\x00y": "value"}},
        {"data": {"outer": {"inner": ["deep\x00"]}}},
        {"inner": {"text": "\x00"}},
    ],
)
def test_commands_refuse_nul_anywhere(payload: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="NUL characters are not allowed"):
        Sample.model_validate(payload)


def test_commands_accept_clean_input_and_ignore_unknown_fields() -> None:
    sample = Sample.model_validate(
        {"text": "hello", "tags": ["a"], "data": {"k": {"n": [1, "x"]}}, "unknown": "z\x00"}
    )
    assert sample.text == "hello"
    assert not hasattr(sample, "unknown")


def test_organization_commands_refuse_nul() -> None:
    with pytest.raises(ValidationError):
        OrganizationCreate(name="Ac\x00me", slug="acme")
    with pytest.raises(ValidationError):
        OrganizationUpdate(embed_hosts=["ok.test", "bad\x00.test"])


def test_organization_update_refuses_nul_in_feature_flag_names() -> None:
    # Feature flags are free keys; they are stored in a JSON column PostgreSQL cannot hold NUL in.
    with pytest.raises(ValidationError):
        OrganizationUpdate(feature_settings={"beta\x00": True})


def test_nul_check_sees_plain_nested_models() -> None:
    class Holder(Command):
        value: Any = None

    class Plain(BaseModel):
        text: str

    with pytest.raises(ValidationError):
        Holder(value=Plain(text="x\x00"))


def test_invariant_violation_becomes_a_located_validation_error() -> None:
    from application.kit.errors import ValidationFailed
    from domain.errors import InvariantViolation

    error = ValidationFailed.from_invariant(InvariantViolation("prices.2.id", "Not a live price."))
    [field_error] = error.errors
    assert field_error.loc == ("body", "prices", 2, "id")
    assert field_error.msg == "Not a live price."


@pytest.mark.parametrize(
    ("options", "field", "loc", "input"),
    [
        ({}, "prices.2.id", ("body", "prices", 2, "id"), None),
        (
            {"root": ("body", "prices", 0)},
            "tiers.tiers.1.bound",
            ("body", "prices", 0, "tiers", "tiers", 1, "bound"),
            None,
        ),
        ({"fields": {"upload": "upload.parts"}}, "upload", ("body", "upload", "parts"), None),
        ({"fields": {"upload": "upload.parts"}}, "name", ("body", "name"), None),
        ({"at": ("email",), "input": "x@"}, "anything", ("email",), "x@"),
    ],
)
def test_invariants_as_validation_locates_what_the_block_breaks(
    options: dict[str, Any], field: str, loc: tuple[str | int, ...], input: Any
) -> None:
    broken = InvariantViolation(field, "Broken.")
    with pytest.raises(ValidationFailed) as caught, invariants_as_validation(**options):
        raise broken
    [field_error] = caught.value.errors
    assert (field_error.loc, field_error.msg, field_error.input) == (loc, "Broken.", input)
    assert caught.value.__cause__ is broken


def test_invariants_as_validation_lets_other_errors_through() -> None:
    with pytest.raises(KeyError), invariants_as_validation():
        raise KeyError("x")


# --- registries ---------------------------------------------------------------------------------


def test_a_registry_holds_what_was_registered_once() -> None:
    registry: Registry[str, int] = Registry("number")
    assert registry.register("one")(1) == 1
    assert registry["one"] == 1
    with pytest.raises(ValueError, match="registered twice"):
        registry.register("one")(2)
    with pytest.raises(LookupError, match="No number is registered for 'two'"):
        registry["two"]
    assert registry.get("two") is None
