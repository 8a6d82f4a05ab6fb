"""Errors a use case raises. Each entrypoint turns them into its own answer (HTTP status, job retry)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from domain.errors import InvariantViolation


class ApplicationError(Exception):
    # Seconds after which the same request may succeed, when the error is about timing (a busy
    # dependency, a rate limit, a request still running): HTTP answers it as `Retry-After`.
    retry_after: int | None = None

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ResourceNotFound(ApplicationError):
    def __init__(self, detail: str = "Not found") -> None:
        super().__init__(detail)


class Unauthorized(ApplicationError):
    def __init__(self, detail: str = "Unauthorized") -> None:
        super().__init__(detail)


class NotPermitted(ApplicationError):
    def __init__(self, detail: str = "You don't have the permission to do this.") -> None:
        super().__init__(detail)


class BadRequest(ApplicationError):
    pass


class ResourceAlreadyExists(ApplicationError):
    pass


class Conflict(ApplicationError):
    """The request contradicts the resource's current state (it is in use, say); nothing was
    changed. Subclasses name the conflict."""


class ResourceUnavailable(ApplicationError):
    pass


class DependencyUnavailable(ApplicationError):
    """A backing service (database, queue) cannot be reached; nothing was changed."""

    retry_after = 5

    def __init__(self, dependency: str) -> None:
        super().__init__(f"The {dependency} is unavailable. Try again shortly.")
        self.dependency = dependency


class TooManyRequests(ApplicationError):
    """The caller used up a rate limit; nothing was done."""

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


@dataclass(frozen=True)
class FieldError:
    loc: tuple[str | int, ...]
    msg: str
    type: str = "value_error"
    input: Any = None


class ValidationFailed(ApplicationError):
    """Input that parsed but breaks a rule; answered like a schema validation error."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__("; ".join(e.msg for e in errors))
        self.errors = list(errors)

    @classmethod
    def single(cls, loc: tuple[str | int, ...], msg: str, input: Any = None) -> ValidationFailed:
        return cls([FieldError(loc=loc, msg=msg, input=input)])

    @classmethod
    def from_invariant(
        cls, error: InvariantViolation, root: tuple[str | int, ...] = ("body",)
    ) -> ValidationFailed:
        """A broken domain rule as a validation error; a dotted field (`prices.0.id`) becomes
        the location `(*root, "prices", 0, "id")`."""
        path = tuple(int(p) if p.isdigit() else p for p in error.field.split("."))
        return cls.single((*root, *path), error.message)


class RowLocked(Conflict):
    """A record another request is changing right now, read to be changed without waiting
    (a repository's `lock` that does not queue): retry in a moment. Use cases name it."""

    retry_after = 1

    def __init__(self, detail: str = "Another request is changing this; retry shortly.") -> None:
        super().__init__(detail)


class AlreadyTaken(ValidationFailed):
    """A value unique among live records (an email, an external id, a code) that another one
    holds, found by a repository when it writes: answered as the validation error at
    `("body", field)`. A use case that knows who may hold it (a concurrent writer of the same
    thing) may catch it and read the holder instead."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__([FieldError(loc=("body", field), msg=message)])
        self.field = field


@contextmanager
def invariants_as_validation(
    root: tuple[str | int, ...] = ("body",),
    *,
    fields: Mapping[str, str] | None = None,
    at: tuple[str | int, ...] | None = None,
    input: Any = None,
) -> Iterator[None]:
    """Inside the block, a broken domain rule (`InvariantViolation`) is raised again as the
    `ValidationFailed` a client gets.

    The error is located at `root` followed by the rule's dotted field (see `from_invariant`),
    after renaming that field through `fields` (domain name → input name, itself dotted if need
    be); `at` instead places every error of the block at one location, with `input` as the value
    the client sent.
    """
    try:
        yield
    except InvariantViolation as error:
        if at is not None:
            raise ValidationFailed.single(at, error.message, input) from error
        renamed = error
        if fields and error.field in fields:
            renamed = InvariantViolation(fields[error.field], error.message)
        raise ValidationFailed.from_invariant(renamed, root) from error
