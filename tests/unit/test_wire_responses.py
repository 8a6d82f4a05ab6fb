"""Wire documents written by orjson must be the bytes pydantic would have written."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum
from typing import Any

import pydantic_core
import pytest
from asyncpg.pgproto.pgproto import UUID as AsyncpgUUID
from hypothesis import given
from hypothesis import strategies as st

from adapters.sqlalchemy.engine import json_loads
from entrypoints.http.kit.responses import dumps


class Colour(StrEnum):
    red = "red"


VALUES: list[Any] = [
    datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    datetime(2026, 1, 2, 3, 4, 5, 120000, tzinfo=UTC),
    datetime(2026, 1, 2, 3, 4, 5, 1, tzinfo=timezone(timedelta(0))),
    datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=timezone(timedelta(hours=-5, minutes=-30))),
    datetime(2026, 1, 2, 3, 4, 5),
    date(2026, 1, 2),
    uuid.UUID("6c3f3b0e-8f3a-4d7e-9f1c-2b5a6d7e8f90"),
    # What asyncpg returns for UUID columns: a subclass orjson does not take as a UUID.
    AsyncpgUUID("6c3f3b0e-8f3a-4d7e-9f1c-2b5a6d7e8f90"),
    Colour.red,
    1.0,
    0.1,
    1e16,
    1.5e-7,
    -0.0,
    2**63 - 1,
    -(2**63),
    2**64,  # beyond orjson: pydantic-core writes it
    Decimal("1.50"),  # likewise
    'é ✓ \u2028 </script> \x00 \\ "',
    {"nested": [True, False, None, {"k": "v"}]},
    [],
    {},
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_dumps_writes_what_pydantic_writes(value: Any) -> None:
    assert dumps({"value": value}) == pydantic_core.to_json({"value": value})


def test_dumps_takes_asyncpg_uuids_without_falling_back(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(value: Any) -> bytes:
        raise AssertionError("fell back to pydantic-core")

    monkeypatch.setattr(pydantic_core, "to_json", refuse)
    assert dumps([AsyncpgUUID("6c3f3b0e-8f3a-4d7e-9f1c-2b5a6d7e8f90")]) == (
        b'["6c3f3b0e-8f3a-4d7e-9f1c-2b5a6d7e8f90"]'
    )


@given(
    st.recursive(
        st.none()
        | st.booleans()
        # Inputs bound integers to 64 bits: orjson reads wider ones as floats.
        | st.integers(-(2**63), 2**63 - 1)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(),
        lambda children: st.lists(children) | st.dictionaries(st.text(), children),
        max_leaves=20,
    )
)
def test_json_columns_read_what_json_loads_reads(value: Any) -> None:
    assert dumps(value) == pydantic_core.to_json(value)
    text = dumps(value).decode()
    # repr: 2**62 == float(2**62) in Python, so equality alone would let a float through.
    assert repr(json_loads(text)) == repr(json.loads(text)) == repr(value)
