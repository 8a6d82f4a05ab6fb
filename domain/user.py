from __future__ import annotations

from dataclasses import dataclass

from domain.base import Entity
from domain.errors import InvariantViolation


def normalize_email(email: str) -> str:
    email = email.strip()
    local, at, host = email.rpartition("@")
    if not at or not local or "." not in host or " " in email:
        raise InvariantViolation("email", "Not a valid email address.")
    return f"{local}@{host.lower()}"


@dataclass(kw_only=True)
class User(Entity):
    email: str

    @classmethod
    def register(cls, email: str) -> User:
        return cls(email=normalize_email(email))
