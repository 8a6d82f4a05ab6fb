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
    """Parse `?sorting=-created_at&sorting=name`.

    An unknown key is a validation error, and so is a property named twice (`name` and
    `-name`): the later criterion could never order anything, and refusing it keeps one
    sorting per order (repositories cache a statement per sorting).
    """
    values = list(values)
    result: list[Sorting[P]] = []
    errors: list[FieldError] = []
    seen: set[P] = set()
    repeated: list[P] = []
    for index, raw in enumerate(values):
        descending = raw.startswith("-")
        key = raw[1:] if descending else raw
        try:
            criterion = Sorting(properties(key), descending)
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
            continue
        if criterion.property in seen:
            if criterion.property not in repeated:
                repeated.append(criterion.property)
            continue
        seen.add(criterion.property)
        result.append(criterion)
    if repeated:
        names = ", ".join(repr(p.value) for p in repeated)
        errors.append(
            FieldError(
                loc=("query", "sorting"),
                msg=f"Each sort property may be given once; given more than once: {names}.",
                type="value_error",
                input=values,
            )
        )
    if errors:
        raise ValidationFailed(errors)
    return result or list(default)
