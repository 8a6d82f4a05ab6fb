"""The memory adapters' storage: committed tables, one view per unit of work, and the
repository behaviour every memory repository shares (soft deletion, sorting, pagination,
tenancy, metadata filters)."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar

from application.auth import AuthSubject
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.ports import Clock, Job
from domain.base import Entity

E = TypeVar("E", bound=Entity)
P = TypeVar("P", bound=StrEnum)

Table = dict[Any, Any]

# Link tables shared by several repositories: product id → ids in order.
PRODUCT_BENEFITS = "product_benefits"
PRODUCT_MEDIAS = "product_medias"
# product id → [(custom field id, required)], in order.
PRODUCT_CUSTOM_FIELDS = "product_custom_fields"


@dataclass
class MemoryStore:
    """What has been committed, keyed by table name then row key.

    Committed rows are never changed in place: a unit of work changes its own copies (see
    `MemoryView`), and publishing replaces rows with copies of them.
    """

    tables: dict[str, Table] = field(default_factory=dict)
    outbox: list[Job] = field(default_factory=list)

    def table(self, name: str) -> Table:
        return self.tables.setdefault(name, {})


_ABSENT = object()


class MemoryView:
    """One unit of work's tables: each copied from the store when first used, published to
    the store row by row on commit.

    Publishing writes only the rows this view changed, added or removed, so two units of work
    that changed different rows of a table both keep their changes (a row both changed keeps
    the last commit's). A view that is never published leaves the store as it was: that is
    what a rollback, or a read-only unit of work, amounts to.
    """

    __slots__ = ("_originals", "_tables", "store")

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self._tables: dict[str, Table] = {}
        # The committed rows each copied table started from (the store's own objects).
        self._originals: dict[str, Table] = {}

    def table(self, name: str) -> Table:
        table = self._tables.get(name)
        if table is None:
            committed = self.store.table(name)
            self._originals[name] = dict(committed)
            table = self._tables[name] = copy.deepcopy(committed)
        return table

    def publish(self) -> None:
        """Write this view's changes to the store; later reads start from the store again."""
        for name, table in self._tables.items():
            original = self._originals[name]
            committed = self.store.table(name)
            for key, row in table.items():
                if original.get(key, _ABSENT) != row:
                    committed[key] = copy.deepcopy(row)
            for key in original.keys() - table.keys():
                committed.pop(key, None)
        self.discard()

    def discard(self) -> None:
        self._tables.clear()
        self._originals.clear()


def metadata_text(value: Any) -> str:
    """A metadata value as PostgreSQL's `->>` renders it (how query filters compare it)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def metadata_matches(metadata: Mapping[str, Any], filters: Mapping[str, Sequence[str]]) -> bool:
    """Whether `metadata` passes `?metadata[key]=value` filters (any value of each key)."""
    return all(
        key in metadata and metadata_text(metadata[key]) in values
        for key, values in filters.items()
    )


def _sort_key(value: Any) -> tuple[int, Any]:
    # None sorts first ascending and last descending, as the SQL adapter does.
    return (0, "") if value is None else (1, value)


class MemoryRepository(Generic[E]):
    table_name: str

    def __init__(self, view: MemoryView, clock: Clock) -> None:
        self.view = view
        self.clock = clock

    @property
    def rows(self) -> dict[uuid.UUID, E]:
        return self.view.table(self.table_name)

    def live(self) -> Iterable[E]:
        return (e for e in self.rows.values() if e.deleted_at is None)

    def live_ids(self, table_name: str) -> set[uuid.UUID]:
        """The ids of another table's live rows."""
        return {e.id for e in self.view.table(table_name).values() if e.deleted_at is None}

    def readable(self, subject: AuthSubject, organization_id: uuid.UUID) -> bool:
        """Whether `subject` may read what `organization_id` owns: a user reads what the
        organizations they are a member of own, an organization reads its own."""
        if subject.is_organization:
            return organization_id == subject.id
        if subject.is_user:
            user_id = subject.require_id()
            return any(
                m.user_id == user_id and m.organization_id == organization_id
                for m in self.view.table("memberships").values()
                if m.deleted_at is None
            )
        return False

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
        # Ties go by id in the direction of the last criterion, as in the SQL adapter.
        last_descending = bool(sorting) and sorting[-1].descending
        ordered = sorted(items, key=lambda e: e.id.int, reverse=last_descending)
        for criterion in reversed(sorting):
            key = keys[criterion.property]
            if criterion.descending:
                # None goes last when descending, as in the SQL adapter.
                present = [e for e in ordered if key(e) is not None]
                absent = [e for e in ordered if key(e) is None]
                present.sort(key=key, reverse=True)  # reverse=True keeps ties in their order
                ordered = present + absent
            else:
                ordered.sort(key=lambda e, k=key: _sort_key(k(e)))  # type: ignore[misc]
        total = len(ordered)
        window = ordered[pagination.offset : pagination.offset + pagination.limit]
        return Page(
            items=[copy.deepcopy(e) for e in window], total_count=total, limit=pagination.limit
        )


R = TypeVar("R")


def newest_first(items: Iterable[R], record: Callable[[R], Entity]) -> list[R]:
    """`items` by their record's creation, newest first, ties by id descending: the order of
    the SQL lists that offer no other (`ordered` in adapters/sqlalchemy/kit/repository.py)."""
    return sorted(
        items, key=lambda item: (record(item).created_at, record(item).id.int), reverse=True
    )
