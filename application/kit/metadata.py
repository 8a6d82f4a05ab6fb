"""Metadata: free key/value pairs a merchant attaches to records."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import StringConstraints

from application.kit.errors import FieldError, ValidationFailed

MAX_KEYS = 50
MAX_KEY_LENGTH = 40
MAX_STRING_VALUE_LENGTH = 500
# Integers are stored in JSON and read back by a decoder that turns wider ones into floats.
MIN_INTEGER, MAX_INTEGER = -(2**63), 2**63 - 1

MetadataValue = str | int | float | bool
# Metadata as commands accept it: types are checked by the model, bounds by `metadata_errors`.
MetadataInput = dict[Annotated[str, StringConstraints(max_length=100)], MetadataValue]


def metadata_errors(metadata: dict[str, Any], loc: tuple[str | int, ...]) -> list[FieldError]:
    errors: list[FieldError] = []
    if len(metadata) > MAX_KEYS:
        errors.append(FieldError(loc, f"At most {MAX_KEYS} metadata keys are allowed."))
    for key, value in metadata.items():
        if not 1 <= len(key) <= MAX_KEY_LENGTH:
            errors.append(
                FieldError((*loc, key), f"Keys must be 1 to {MAX_KEY_LENGTH} characters.")
            )
        if isinstance(value, str):
            if len(value) > MAX_STRING_VALUE_LENGTH:
                errors.append(
                    FieldError(
                        (*loc, key),
                        f"String values are at most {MAX_STRING_VALUE_LENGTH} characters.",
                    )
                )
        elif isinstance(value, int) and not isinstance(value, bool):
            if not MIN_INTEGER <= value <= MAX_INTEGER:
                errors.append(FieldError((*loc, key), "Integers must fit in 64 bits.", input=value))
        elif not isinstance(value, float | bool):
            errors.append(
                FieldError((*loc, key), "Values must be strings, numbers or booleans.", input=value)
            )
    return errors


def check_metadata(
    metadata: dict[str, Any], loc: tuple[str | int, ...] = ("body", "metadata")
) -> None:
    """Raise a validation error listing every bound `metadata` breaks."""
    errors = metadata_errors(metadata, loc)
    if errors:
        raise ValidationFailed(errors)
