from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from application.kit.errors import FieldError, ValidationFailed

P = TypeVar("P", bound=StrEnum)


@dataclass(frozen=True)
class Sorting(Generic[P]):
    property: P
    descending: bool = False


def parse_sorting(
    values: Iterable[str], properties: type[P], default: Sequence[Sorting[P]]
) -> list[Sorting[P]]:
    """Parse `?sorting=-created_at&sorting=name`; an unknown key is a validation error."""
    result: list[Sorting[P]] = []
    errors: list[FieldError] = []
    for index, raw in enumerate(values):
        descending = raw.startswith("-")
        key = raw[1:] if descending else raw
        try:
            result.append(Sorting(properties(key), descending))
        except ValueError:
            allowed = ", ".join(p.value for p in properties)
            errors.append(
                FieldError(
                    loc=("query", "sorting", index),
                    msg=f"Unknown sort property {key!r}; expected one of: {allowed}.",
                    type="enum",
                    input=raw,
                )
            )
    if errors:
        raise ValidationFailed(errors)
    return result or list(default)
