"""Generic in-memory repository behaviour: soft deletion, sorting, pagination."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar

from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.ports import Clock, Job
from domain.base import Entity

E = TypeVar("E", bound=Entity)
P = TypeVar("P", bound=StrEnum)


@dataclass
class MemoryStore:
    """Everything the memory adapters hold, keyed by table name then id."""

    tables: dict[str, dict[uuid.UUID, Any]] = field(default_factory=dict)
    outbox: list[Job] = field(default_factory=list)

    def table(self, name: str) -> dict[uuid.UUID, Any]:
        return self.tables.setdefault(name, {})

    def snapshot(self) -> tuple[dict[str, dict[uuid.UUID, Any]], list[Job]]:
        return copy.deepcopy(self.tables), list(self.outbox)

    def restore(self, snapshot: tuple[dict[str, dict[uuid.UUID, Any]], list[Job]]) -> None:
        self.tables, self.outbox = snapshot


def _sort_key(value: Any) -> tuple[int, Any]:
    # None sorts first ascending and last descending, as the SQL adapter does.
    return (0, "") if value is None else (1, value)


class MemoryRepository(Generic[E]):
    table_name: str

    def __init__(self, store: MemoryStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    @property
    def rows(self) -> dict[uuid.UUID, E]:
        return self.store.table(self.table_name)

    def live(self) -> Iterable[E]:
        return (e for e in self.rows.values() if e.deleted_at is None)

    def find(self, predicate: Callable[[E], bool]) -> E | None:
        return next((copy.deepcopy(e) for e in self.live() if predicate(e)), None)

    async def get_by_id(self, id: uuid.UUID) -> E | None:
        return self.find(lambda e: e.id == id)

    async def get_many(self, ids: Sequence[uuid.UUID], *, lock: bool = False) -> list[E]:
        """The live rows among `ids`, in no particular order. One unit of work at a time holds
        the store, so `lock` has nothing to do."""
        wanted = set(ids)
        return [copy.deepcopy(e) for e in self.live() if e.id in wanted]

    async def get_including_deleted(self, id: uuid.UUID) -> E | None:
        found = self.rows.get(id)
        return None if found is None else copy.deepcopy(found)

    async def create(self, entity: E) -> E:
        self.rows[entity.id] = copy.deepcopy(entity)
        return entity

    async def update(self, entity: E, changes: dict[str, Any] | None = None) -> E:
        for name, value in (changes or {}).items():
            setattr(entity, name, value)
        entity.modified_at = self.clock.now()
        self.rows[entity.id] = copy.deepcopy(entity)
        return entity

    def paginate(
        self,
        items: Iterable[E],
        pagination: PaginationParams,
        sorting: Sequence[Sorting[P]],
        keys: Mapping[Any, Callable[[E], Any]],
    ) -> Page[E]:
        ordered = sorted(items, key=lambda e: e.id.int)
        for criterion in reversed(sorting):
            key = keys[criterion.property]
            if criterion.descending:
                # None goes last when descending, as in the SQL adapter.
                present = [e for e in ordered if key(e) is not None]
                absent = [e for e in ordered if key(e) is None]
                present.sort(key=key, reverse=True)  # reverse=True keeps ties in id order
                ordered = present + absent
            else:
                ordered.sort(key=lambda e, k=key: _sort_key(k(e)))  # type: ignore[misc]
        total = len(ordered)
        window = ordered[pagination.offset : pagination.offset + pagination.limit]
        return Page(
            items=[copy.deepcopy(e) for e in window], total_count=total, limit=pagination.limit
        )
