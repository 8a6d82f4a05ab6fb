"""Registries: one entry per kind of a family (a type of price, say), so that a new kind is one
registration in each layer instead of one more branch in every `isinstance` ladder."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Registry(dict[K, V]):
    """A dict filled by `register`; a key that was never registered is a `LookupError` naming
    the family. Lookups are plain dict lookups: registries sit on read paths."""

    def __init__(self, family: str) -> None:
        super().__init__()
        self.family = family

    def register(self, key: K) -> Callable[[V], V]:
        """Decorator: the decorated value (function, class…) is the entry for `key`."""

        def add(value: V) -> V:
            if key in self:
                raise ValueError(f"{key!r} is registered twice as a {self.family}.")
            self[key] = value
            return value

        return add

    def __missing__(self, key: K) -> V:
        raise LookupError(f"No {self.family} is registered for {key!r}.")
