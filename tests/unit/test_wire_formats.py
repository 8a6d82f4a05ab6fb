"""Every wire builder writes the bytes its schema would write.

Hot routes build their bodies with hand-written builders (entrypoints/http/kit/responses.py);
the pydantic schemas stay the contract. Each builder registered with `@wire_format(schema)` is
run here on generated entities of every variant of the type it takes first (each concrete
price type, say): the document must validate against the schema, and the schema must write it
back to the same bytes. A new builder is checked as soon as it is registered, and a builder of
a schemas module (`<resource>_wire`) that is not registered fails
`test_every_wire_builder_is_registered`.

Entities are generated from their dataclass fields' types. A rule the types do not say (a
metered price has its meter, a seat-based price at least one tier…) goes in `FIELDS`; an
argument that is not an entity or a plain value goes in `ARGUMENTS`.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import types
import typing
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

import entrypoints.http
from domain.custom_field import CustomField, CustomFieldType
from domain.customer import Customer
from domain.file import File, FileService
from domain.meter import Aggregation, AggregationFunction, Meter, MeterSummary
from domain.organization import TaxBehavior
from domain.payment import CardMetadata
from domain.payment_method import SavedPaymentMethod
from domain.price import MeteredPrice, Price, SeatBasedPrice, SeatTier
from entrypoints.http.kit.responses import WIRE_FORMATS, Wire, dumps
from entrypoints.http.products.schemas import MediaUrl

SCHEMA_MODULES = [
    importlib.import_module(module.name)
    for module in pkgutil.walk_packages(entrypoints.http.__path__, "entrypoints.http.")
    if module.name.endswith(".schemas")
]

# A field left at its default: the variant sets it.
DEFAULT = object()

# Rules of the domain that the field types do not say, by (class, field); a class's entries
# apply to its subclasses.
FIELDS: dict[tuple[type, str], Any] = {
    (Price, "amount_type"): DEFAULT,
    (Price, "tax_behavior"): st.none() | st.sampled_from([t.value for t in TaxBehavior]),
    (MeteredPrice, "meter"): st.deferred(lambda: entities(MeterSummary)),
    (SeatBasedPrice, "tiers"): st.lists(st.deferred(lambda: entities(SeatTier)), min_size=1),
    # Only product media and avatars are written by builders (they have a public URL).
    (File, "service"): st.sampled_from(
        [FileService.product_media, FileService.organization_avatar]
    ),
    # Every customer created has an email but teams (Customer.validate).
    (Customer, "email"): st.text(min_size=1, max_size=30),
    # A field's properties are those of its type (CustomField.validate). Drawn independently
    # of the type, they are drawn for a select, whose properties are the richest (the API tests
    # read every type back through the client's models).
    (CustomField, "type"): st.just(CustomFieldType.select),
    (CustomField, "properties"): st.fixed_dictionaries(
        {
            "options": st.lists(
                st.fixed_dictionaries({"value": st.text(max_size=5), "label": st.text(max_size=5)}),
                min_size=1,
                max_size=3,
            )
        },
        optional={
            key: st.text(min_size=1, max_size=10)
            for key in ("form_label", "form_help_text", "form_placeholder")
        },
    ),
    # A saved card always has its expiry (SavedPaymentMethod.create).
    (SavedPaymentMethod, "method_metadata"): st.builds(
        CardMetadata,
        brand=st.text(max_size=10),
        last4=st.text(max_size=4),
        exp_month=st.integers(1, 12),
        exp_year=st.integers(2000, 2100),
    ),
    # `count` reads no property; every other function reads one.
    (Meter, "aggregation"): st.builds(
        lambda func, name: Aggregation(func, None if func is AggregationFunction.cnt else name),
        st.sampled_from(AggregationFunction),
        st.text(min_size=1, max_size=20),
    ),
}

# Arguments that are neither entities nor plain values, by their annotation.
ARGUMENTS: dict[Any, st.SearchStrategy[Any]] = {
    MediaUrl: st.just(lambda file: f"https://cdn.example/{file.path}"),
}

_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(), children, max_size=3)
    ),
    max_leaves=8,
)

_PLAIN: dict[Any, st.SearchStrategy[Any]] = {
    Any: _JSON,
    type(None): st.none(),
    bool: st.booleans(),
    # Within what PostgreSQL stores (bigint), as entities hold them.
    int: st.integers(-(2**63), 2**63 - 1),
    float: st.floats(allow_nan=False, allow_infinity=False),
    str: st.text(max_size=30),
    Decimal: st.decimals(-(10**9), 10**9, allow_nan=False, allow_infinity=False, places=12),
    uuid.UUID: st.uuids(version=4),
    datetime: st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1), timezones=st.just(UTC)),
}


def leaves(cls: type) -> list[type]:
    """The classes of the domain that are `cls` or derive from it and have no subclass."""
    below = [leaf for sub in cls.__subclasses__() for leaf in leaves(sub)]
    if below:
        return below
    return [cls] if cls.__module__.startswith("domain.") else []


_STRATEGIES: dict[Any, st.SearchStrategy[Any]] = {}


def entities(cls: type) -> st.SearchStrategy[Any]:
    """Instances of `cls` (a dataclass) with every field drawn."""
    hints = typing.get_type_hints(cls)
    drawn = {}
    for f in dataclasses.fields(cls):
        rule = next((FIELDS[k, f.name] for k in cls.__mro__ if (k, f.name) in FIELDS), None)
        if rule is DEFAULT or not f.init:
            continue
        drawn[f.name] = rule if rule is not None else values(hints[f.name])
    return st.builds(cls, **drawn)


def values(annotation: Any) -> st.SearchStrategy[Any]:
    """Values of a field or argument annotation."""
    if annotation in ARGUMENTS:
        return ARGUMENTS[annotation]
    if annotation in _PLAIN:
        return _PLAIN[annotation]
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return st.one_of([values(a) for a in args])
    if origin is list:
        return st.lists(values(args[0]), max_size=2)
    if origin in (set, frozenset):
        return st.frozensets(values(args[0]), max_size=3).map(origin)
    if origin is tuple and args[1:] == (Ellipsis,):
        return st.lists(values(args[0]), max_size=2).map(tuple)
    if origin is dict:
        return st.dictionaries(values(args[0]), values(args[1]), max_size=3)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return st.sampled_from(annotation)
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        if annotation not in _STRATEGIES:
            # Deferred: a dataclass may contain itself (meter filters nest).
            _STRATEGIES[annotation] = st.deferred(
                lambda: st.one_of([entities(leaf) for leaf in leaves(annotation)])
            )
        return _STRATEGIES[annotation]
    raise LookupError(f"No values for {annotation!r}: add them to ARGUMENTS or FIELDS.")


def arguments(builder: Callable[..., Wire]) -> list[Any]:
    hints = typing.get_type_hints(builder)
    return [hints[name] for name in inspect.signature(builder).parameters]


CASES = [
    pytest.param(builder, variant, id=f"{builder.__name__}-{variant.__name__}")
    for builder in WIRE_FORMATS
    for variant in leaves(arguments(builder)[0])
]


@pytest.mark.parametrize(("builder", "variant"), CASES)
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_builder_writes_the_bytes_of_its_schema(
    builder: Callable[..., Wire], variant: type, data: st.DataObject
) -> None:
    _, *others = arguments(builder)
    args = [data.draw(entities(variant)), *(data.draw(values(a)) for a in others)]
    body = dumps(builder(*args))
    schema: TypeAdapter[Any] = TypeAdapter(WIRE_FORMATS[builder])
    assert schema.dump_json(schema.validate_json(body)) == body


def test_every_wire_builder_is_registered() -> None:
    """A function of a schemas module named `<resource>_wire` that returns a wire document is
    a wire builder: it must name its schema (and so be checked above). Parts of documents
    (`product_fields`) are named otherwise."""
    builders = [
        function
        for module in SCHEMA_MODULES
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if function.__module__ == module.__name__
        and name.endswith("_wire")
        and not name.startswith("_")
        and typing.get_type_hints(function).get("return") == Wire
    ]
    assert builders
    assert [f.__qualname__ for f in builders if f not in WIRE_FORMATS] == []
