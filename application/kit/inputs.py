"""Base for command models: strict about what a client may send."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from application.kit.errors import FieldError, ValidationFailed


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple | set | frozenset):
        return any(_has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, BaseModel):
        # Extra fields (models that allow them) live outside __dict__.
        return _has_nul(value.__dict__) or _has_nul(value.model_extra or {})
    return False


class Command(BaseModel):
    """Input of a use case. NUL characters are refused everywhere: PostgreSQL cannot store them."""

    model_config = ConfigDict(extra="ignore", str_max_length=10_000)

    @field_validator("*", mode="after")
    @classmethod
    def _refuse_nul(cls, value: Any) -> Any:
        if _has_nul(value):
            raise ValueError("NUL characters are not allowed.")
        return value


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
