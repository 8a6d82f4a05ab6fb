"""Base for command models: strict about what a client may send."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    ValidationError,
    field_validator,
)
from pydantic_core import PydanticCustomError

from application.kit.errors import FieldError, ValidationFailed

# NUL, which PostgreSQL cannot store, and UTF-16 surrogates: JSON's `"\ud800"` decodes to a
# lone one (a pair decodes to the character it encodes), which no UTF-8 text can hold.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable_text(value: Any) -> str | None:
    """Why `value` (a string, or any nesting of containers and models) cannot be stored as
    text, or None when it can."""
    if isinstance(value, str):
        found = _UNSTORABLE.search(value)
        if found is None:
            return None
        if found.group() == "\x00":
            return "NUL characters are not allowed."
        return "Lone surrogates are not valid Unicode."
    if isinstance(value, list | tuple | set | frozenset):
        return next((r for r in map(unstorable_text, value) if r), None)
    if isinstance(value, dict):
        pairs = (r for k, v in value.items() for r in (unstorable_text(k), unstorable_text(v)))
        return next((r for r in pairs if r), None)
    if isinstance(value, BaseModel):
        # Extra fields (models that allow them) live outside __dict__.
        return unstorable_text(value.__dict__) or unstorable_text(value.model_extra or {})
    return None


class StorableInput(BaseModel):
    """A model of client input whose every field refuses text PostgreSQL cannot store."""

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_unstorable(cls, value: Any) -> Any:
        reason = unstorable_text(value)
        if reason is not None:
            raise ValueError(reason)
        return value


class Command(StorableInput):
    """Input of a use case. Text PostgreSQL cannot store (NUL characters, lone surrogates) and
    numbers JSON cannot carry (NaN, infinities) are refused everywhere."""

    model_config = ConfigDict(extra="ignore", str_max_length=10_000, allow_inf_nan=False)


def _as_utc(value: datetime) -> datetime:
    # A timestamp without a zone is read as UTC, so that it compares with stored ones.
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        # 0001-01-01T00:00:00+05:00 is before the first day of the calendar in UTC.
        raise ValueError("The timestamp is outside the supported range in UTC.") from None


def _json_integer(value: Any) -> Any:
    # JSON Schema's integer: a number with no fraction (`100.0` too), never `true` or `"100"`,
    # which pydantic's lax mode would read as 1 and 100.
    if isinstance(value, bool | str | bytes):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


# An integer as request bodies take it (and document it: `type: integer`).
JsonInt = Annotated[int, BeforeValidator(_json_integer)]


# A timestamp as inputs take it: in UTC, and within the calendar once there.
UtcTimestamp = Annotated[datetime, AfterValidator(_as_utc)]


M = TypeVar("M", bound=BaseModel)


def parse_input(model: type[M], data: Any, loc: tuple[str | int, ...]) -> M:
    """`data` checked against `model`; its errors as a ValidationFailed located under `loc`.

    For inputs whose shape is only known once another field is read (a benefit's properties,
    whose model depends on its type).
    """
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ValidationFailed(
            [
                FieldError(
                    loc=(*loc, *e["loc"]),
                    msg=e["msg"],
                    type=e["type"],
                    input=e.get("input"),
                )
                for e in error.errors(include_url=False)
            ]
        ) from None
