"""Meter rules (domain/meter.py): names, units, filter trees, aggregations, archiving, and the
plain documents adapters store and the API shows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.sqlalchemy.engine import json_loads
from domain.errors import InvariantViolation
from domain.meter import (
    MAX_FILTER_CLAUSES,
    MAX_FILTER_DEPTH,
    Aggregation,
    AggregationFunction,
    Filter,
    FilterClause,
    FilterConjunction,
    FilterOperator,
    Meter,
    MeterUnit,
    aggregation_document,
    aggregation_from_document,
    filter_document,
    filter_from_document,
)

AT = datetime(2026, 1, 1, tzinfo=UTC)
EMPTY = Filter(FilterConjunction.and_)
COUNT = Aggregation(AggregationFunction.cnt)


def _meter(**values: Any) -> Meter:
    return Meter(
        organization_id=uuid.uuid4(),
        **{"name": "Calls", "filter": EMPTY, "aggregation": COUNT, **values},
    )


def _field(meter: Meter) -> str:
    with pytest.raises(InvariantViolation) as error:
        meter.validate()
    return error.value.field


def _nested(depth: int) -> Filter:
    node = EMPTY
    for _ in range(depth - 1):
        node = Filter(FilterConjunction.or_, (node,))
    return node


class TestValidation:
    def test_a_plain_meter_is_valid_and_its_name_trimmed(self) -> None:
        meter = _meter(name="  Calls  ")
        meter.validate()
        assert meter.name == "Calls"
        assert (meter.custom_label, meter.custom_multiplier) == (None, None)

    @pytest.mark.parametrize("name", ["", "   ", "x" * 257])
    def test_name_length(self, name: str) -> None:
        assert _field(_meter(name=name)) == "name"

    def test_a_custom_unit_needs_a_label_and_defaults_its_multiplier(self) -> None:
        assert _field(_meter(unit=MeterUnit.custom)) == "custom_label"
        assert _field(_meter(unit=MeterUnit.custom, custom_label=" ")) == "custom_label"
        meter = _meter(unit=MeterUnit.custom, custom_label=" image ")
        meter.validate()
        assert (meter.custom_label, meter.custom_multiplier) == ("image", 1)
        for multiplier in (0, -1, 1_000_000_001):
            bad = _meter(unit=MeterUnit.custom, custom_label="x", custom_multiplier=multiplier)
            assert _field(bad) == "custom_multiplier"

    @pytest.mark.parametrize("unit", [MeterUnit.scalar, MeterUnit.token])
    def test_other_units_have_no_label_nor_multiplier(self, unit: MeterUnit) -> None:
        assert _field(_meter(unit=unit, custom_label="x")) == "custom_label"
        assert _field(_meter(unit=unit, custom_multiplier=2)) == "custom_multiplier"

    def test_aggregations(self) -> None:
        _meter(aggregation=Aggregation(AggregationFunction.sum, "tokens")).validate()
        assert _field(_meter(aggregation=Aggregation(AggregationFunction.cnt, "x"))) == (
            "aggregation.property"
        )
        for func in set(AggregationFunction) - {AggregationFunction.cnt}:
            assert _field(_meter(aggregation=Aggregation(func))) == "aggregation.property"
            assert _field(_meter(aggregation=Aggregation(func, " "))) == "aggregation.property"

    def test_filter_clauses(self) -> None:
        def clause(*values: Any) -> Filter:
            return Filter(FilterConjunction.and_, (FilterClause(*values),))

        _meter(filter=clause("name", FilterOperator.like, "api_%")).validate()
        assert _field(_meter(filter=clause("name", FilterOperator.like, 1))) == (
            "filter.clauses.0.value"
        )
        assert _field(_meter(filter=clause("name", FilterOperator.not_like, True))) == (
            "filter.clauses.0.value"
        )
        assert _field(_meter(filter=clause("", FilterOperator.eq, 1))) == (
            "filter.clauses.0.property"
        )
        assert _field(_meter(filter=clause("n", FilterOperator.eq, "x" * 1001))) == (
            "filter.clauses.0.value"
        )
        nested = Filter(FilterConjunction.or_, (EMPTY, clause("", FilterOperator.eq, 1)))
        assert _field(_meter(filter=nested)) == "filter.clauses.1.clauses.0.property"

    def test_filter_size_and_depth(self) -> None:
        _meter(filter=_nested(MAX_FILTER_DEPTH)).validate()
        assert _field(_meter(filter=_nested(MAX_FILTER_DEPTH + 1))).startswith("filter.clauses.0")
        many = tuple(
            FilterClause(f"p{i}", FilterOperator.eq, i) for i in range(MAX_FILTER_CLAUSES + 1)
        )
        # Counted across the whole tree, not per level.
        split = Filter(
            FilterConjunction.and_,
            (Filter(FilterConjunction.or_, many[:30]), Filter(FilterConjunction.or_, many[30:])),
        )
        assert _field(_meter(filter=split)) == f"filter.clauses.1.clauses.{MAX_FILTER_CLAUSES - 30}"
        _meter(filter=Filter(FilterConjunction.and_, many[:MAX_FILTER_CLAUSES])).validate()


def test_archiving_keeps_the_first_time_and_unarchiving_clears_it() -> None:
    meter = _meter()
    meter.archive(AT)
    meter.archive(AT + timedelta(days=1))
    assert (meter.archived_at, meter.modified_at, meter.is_archived) == (AT, AT, True)
    meter.unarchive(AT + timedelta(days=2))
    assert (meter.archived_at, meter.is_archived) == (None, False)
    assert meter.modified_at == AT + timedelta(days=2)
    meter.unarchive(AT + timedelta(days=3))
    assert meter.modified_at == AT + timedelta(days=2)  # nothing to undo: unchanged


# What commands accept: 64-bit integers (see application/meters/commands.py).
values = st.one_of(st.booleans(), st.integers(-(2**63), 2**63 - 1), st.text(max_size=20))
clauses = st.builds(
    FilterClause, st.text(min_size=1, max_size=20), st.sampled_from(FilterOperator), values
)
filters = st.recursive(
    st.builds(Filter, st.sampled_from(FilterConjunction), st.tuples()),
    lambda children: st.builds(
        Filter,
        st.sampled_from(FilterConjunction),
        st.lists(st.one_of(clauses, children), max_size=4).map(tuple),
    ),
    max_leaves=12,
)
aggregations = st.one_of(
    st.just(COUNT),
    st.builds(
        Aggregation,
        st.sampled_from(sorted(set(AggregationFunction) - {AggregationFunction.cnt})),
        st.text(min_size=1, max_size=20),
    ),
)


@given(filters)
def test_a_filter_survives_its_document_as_stored(tree: Filter) -> None:
    # Through JSON as the SQL adapter writes and reads it (orjson, json_loads).
    stored = json_loads(orjson.dumps(filter_document(tree)))
    # Booleans stay booleans and integers integers (True == 1 and 2**62 == float(2**62) in
    # Python, so compare the representations too).
    assert filter_from_document(stored) == tree
    assert repr(filter_from_document(stored)) == repr(tree)


@given(aggregations)
def test_an_aggregation_survives_its_document(aggregation: Aggregation) -> None:
    assert aggregation_from_document(aggregation_document(aggregation)) == aggregation
