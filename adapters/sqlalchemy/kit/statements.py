"""The statement cache: each statement shape built once, keyed by what it is built from.

On the hot path, building a statement (and SQLAlchemy computing its cache key) costs more than
running a small query, so repositories reuse statements and bind the values per call:

    statement = self.cached(build, *shape)

`build(*shape)` builds the statement from the shape alone (which filters are present, the subject
kind, the sorting…), never from the values bound per call. The key is the build's code object
plus the shape, so a part of the shape cannot be left out of the key while the build still
reads it:

- a build that reads anything from its enclosing scope other than the repository (`self`) is
  refused when its statement is first built, in production too (it costs nothing on a hit);
- what is left (a build reading a global or an attribute that varies) is caught by the check
  `STATEMENTS.check` turns on (the test suite does): every hit rebuilds the statement and
  compares its SQL and bound values with the cached one, and raises `StatementShapeMismatch`.

The cache is a bounded LRU shared by every repository: a client cycling through `?sorting=`
combinations evicts old shapes instead of growing the process. An entry carries what is
derived from its statement (its direct read, its paged and counted forms), so they go with it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from sqlalchemy import Executable
from sqlalchemy.dialects import postgresql

from adapters.sqlalchemy.kit.direct import DirectRead

S = TypeVar("S", bound=Executable)
T = TypeVar("T", bound=Executable)

# The working set is a few dozen shapes per repository (two subject kinds, the filter
# combinations clients actually send, a handful of sortings): the API and unit test suites,
# which try more combinations than a deployment is likely to, build under 200. An entry holds
# a statement and, once read directly, its compiled form: 15 to 25 kB for a list (products,
# organizations), less for a point read. 512 entries keep 2.5 times that working set for at
# most ~12 MB per process, whatever clients send. (SQLAlchemy's compiled cache holds 500.)
STATEMENT_CACHE_SIZE = 512

# `Cached.direct` before its first direct read.
UNCOMPILED: Any = object()
# A PostgreSQL dialect for the check's compilations (any connection's would do).
_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]


class StatementShapeMismatch(AssertionError):
    """A cache hit returned a statement other than the one its build makes now: the shape
    passed to `cached` misses something the build reads."""


class Cached(Generic[S]):
    """A cached statement, with what is derived from it."""

    __slots__ = ("_derived", "_fingerprint", "code", "direct", "statement")

    def __init__(self, statement: S, code: Any) -> None:
        self.statement = statement
        # Held so that the code object, whose id is part of the key, outlives the entry.
        self.code = code
        # DirectRead, None (not eligible, or direct reads refused), or UNCOMPILED.
        self.direct: DirectRead | None = UNCOMPILED
        self._derived: dict[Callable[..., Any], Cached[Any]] | None = None
        self._fingerprint: tuple[str, dict[str, Any]] | None = None

    def derived(self, derive: Callable[[S], T]) -> Cached[T]:
        """The statement `derive` makes of this one, built once and evicted with it."""
        derived = self._derived
        if derived is None:
            derived = self._derived = {}
        found = derived.get(derive)
        if found is None:
            found = derived[derive] = Cached(derive(self.statement), self.code)
        return found

    def fingerprint(self) -> tuple[str, dict[str, Any]]:
        if self._fingerprint is None:
            self._fingerprint = fingerprint(self.statement)
        return self._fingerprint


def fingerprint(statement: Executable) -> tuple[str, dict[str, Any]]:
    """What a statement runs: its SQL and the values bound in it (the SQL alone does not show
    a value built into the statement, such as `column == 3`)."""
    compiled = statement.compile(dialect=_DIALECT)  # type: ignore[attr-defined]
    return compiled.string, compiled.params


def _refuse_hidden_inputs(build: Callable[..., Any], repository: object) -> None:
    """Refuse a build that reads anything but its arguments and the repository: the rest would
    shape the statement without being part of its key."""
    if getattr(build, "__defaults__", None) or getattr(build, "__kwdefaults__", None):
        raise TypeError(
            f"{build.__qualname__}: a statement build takes no default arguments; "
            "pass every input in the shape"
        )
    code = build.__code__
    for name, cell in zip(code.co_freevars, build.__closure__ or (), strict=True):
        if name == "__class__" or cell.cell_contents is repository:
            continue
        raise TypeError(
            f"{build.__qualname__} ({code.co_filename}:{code.co_firstlineno}) reads {name!r} "
            "from its enclosing scope: pass it in the shape, so that it is part of the key"
        )


class StatementCache:
    """A bounded LRU of statements, keyed by (repository class, build code, shape)."""

    def __init__(self, size: int = STATEMENT_CACHE_SIZE) -> None:
        self.size = size
        # Rebuild and compare on every hit (see the module docstring). Off in production.
        self.check = False
        self._entries: OrderedDict[Hashable, Cached[Any]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self) -> list[Cached[Any]]:
        return list(self._entries.values())

    def clear(self) -> None:
        self._entries.clear()

    def get(
        self, repository: object, build: Callable[..., S], shape: tuple[Hashable, ...]
    ) -> Cached[S]:
        code = build.__code__
        # The code object's id, not the code object: hashing a code object hashes its
        # constants (nested code included) on every call, and two code objects of the same
        # text in different modules compare equal. The entry holds the code, so the id stays
        # its own while the entry lives.
        key = (type(repository), id(code), shape)
        entries = self._entries
        entry = entries.get(key)
        if entry is None:
            _refuse_hidden_inputs(build, repository)
            entry = entries[key] = Cached(build(*shape), code)
            if len(entries) > self.size:
                entries.popitem(last=False)
        else:
            entries.move_to_end(key)
            if self.check:
                rebuilt = fingerprint(build(*shape))
                if rebuilt != entry.fingerprint():
                    raise StatementShapeMismatch(
                        f"{build.__qualname__} ({code.co_filename}:{code.co_firstlineno}) "
                        f"built another statement for the cached shape {shape!r}:\n"
                        f"cached:  {entry.fingerprint()}\nrebuilt: {rebuilt}"
                    )
        return entry


STATEMENTS = StatementCache()
