"""Base for command models: strict about what a client may send."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


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
