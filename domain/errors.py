"""Errors raised by domain rules. The application maps them to its own error types."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule was broken."""


class InvariantViolation(DomainError):
    """A value breaks a rule of the entity; `field` names the offending attribute."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class InvalidTransition(DomainError):
    """A state machine was asked to move along an edge it does not have."""

    def __init__(self, entity: str, current: str, target: str) -> None:
        super().__init__(f"{entity} cannot move from {current!r} to {target!r}")
        self.entity = entity
        self.current = current
        self.target = target
