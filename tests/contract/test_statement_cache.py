"""The SQL repositories' statement cache (adapters/sqlalchemy/kit/statements.py): bounded, keyed
by what each statement is built from, and never pairing a statement with another's direct read."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Select, bindparam, event, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.memory.fakes import FrozenClock, RecordingJobQueue
from adapters.sqlalchemy.kit.direct import DirectRead
from adapters.sqlalchemy.kit.statements import (
    STATEMENTS,
    StatementCache,
    StatementShapeMismatch,
)
from adapters.sqlalchemy.repositories.organizations import SqlAlchemyOrganizationRepository
from adapters.sqlalchemy.tables import organizations
from application.auth import MERCHANT_SCOPES, AuthSubject, SubjectKind
from application.kit.pagination import PaginationParams
from application.kit.sorting import Sorting
from application.organizations.sorting import OrganizationSortProperty as O
from domain.membership import MemberRole, Membership
from domain.organization import Organization
from domain.user import User
from tests.contract.conftest import sql_units_of_work
from tests.harness import SharedConnectionSource


@pytest.fixture
def small_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[StatementCache]:
    """The process's cache, emptied and bounded to 4 entries for the test."""
    monkeypatch.setattr(STATEMENTS, "size", 4)
    STATEMENTS.clear()
    yield STATEMENTS
    STATEMENTS.clear()


async def _organizations(
    connection: AsyncConnection, clock: FrozenClock
) -> tuple[AuthSubject, list[Organization]]:
    """Four organizations of one user. Names and creation days each come in pairs, so that a
    second criterion decides between rows the first one ties; slugs all differ."""
    uows = sql_units_of_work(SharedConnectionSource(connection), clock, RecordingJobQueue())
    owner = User(email=f"{uuid.uuid4().hex[:8]}@example.com")
    created = []
    async with uows.write() as uow:
        await uow.users.create(owner)
        for name, day, prefix in [
            ("Alpha", 0, "m"),
            ("Alpha", 1, "n"),
            ("Beta", 0, "l"),
            ("Beta", 1, "o"),
        ]:
            organization = Organization.create(
                name=name,
                slug=f"{prefix}-{uuid.uuid4().hex[:10]}",
                at=clock.now() + timedelta(days=day),
            )
            await uow.organizations.create(organization)
            await uow.memberships.create(
                Membership(user_id=owner.id, organization_id=organization.id, role=MemberRole.owner)
            )
            created.append(organization)
        await uow.commit()
    return AuthSubject.user(owner.id, MERCHANT_SCOPES), created


def _sorted(items: list[Organization], sorting: tuple[Sorting[O], ...]) -> list[Organization]:
    """`items` in the order PostgreSQL gives them: the criteria, then the id in the direction
    of the last criterion."""
    result = sorted(items, key=lambda o: o.id, reverse=sorting[-1].descending)
    for criterion in reversed(sorting):
        result.sort(
            key=lambda o: getattr(o, criterion.property.value), reverse=criterion.descending
        )
    return result


def _sortings() -> list[tuple[Sorting[O], ...]]:
    """Every sorting of one to three of created_at, slug and name, each either way: 78."""
    properties = [O.created_at, O.slug, O.name]
    result = []
    for length in (1, 2, 3):
        for chosen in itertools.permutations(properties, length):
            for directions in itertools.product((False, True), repeat=length):
                result.append(tuple(Sorting(p, d) for p, d in zip(chosen, directions, strict=True)))
    return result


def _owned(entries: list[Any]) -> None:
    """Each direct read belongs to the very statement its entry holds."""
    for entry in entries:
        for cached in [entry, *(entry._derived or {}).values()]:
            if isinstance(cached.direct, DirectRead):
                assert cached.direct.compiled.statement is cached.statement


@pytest.mark.parametrize("direct_reads", [True, False])
async def test_sortings_beyond_the_bound_evict_and_still_read_right(
    connection: AsyncConnection, small_cache: StatementCache, direct_reads: bool
) -> None:
    """78 sortings make 78 statement shapes: at most 4 are kept, and every page is in its own
    order although each shape evicts another (direct reads are compiled per statement)."""
    clock = FrozenClock()
    subject, created = await _organizations(connection, clock)
    repository = SqlAlchemyOrganizationRepository(connection, clock, direct_reads=direct_reads)
    sortings = _sortings()
    assert len(sortings) == 78
    for sorting in sortings * 2:  # The second pass finds every shape evicted again.
        page = await repository.list_readable(
            subject, pagination=PaginationParams(page=1, limit=10), sorting=sorting
        )
        assert [o.id for o in page.items] == [o.id for o in _sorted(created, sorting)], sorting
        assert len(small_cache) <= 4
        _owned(small_cache.entries())


async def test_an_evicted_statements_direct_read_is_never_used_for_another(
    connection: AsyncConnection, small_cache: StatementCache
) -> None:
    """A direct read lives and dies with its cache entry. Were direct reads kept by statement
    id, as when statements lived forever, a statement allocated where an evicted one lived
    (such as the one-off statement `get` builds on every call) would run the evicted SQL."""
    clock = FrozenClock()
    subject, created = await _organizations(connection, clock)
    repository = SqlAlchemyOrganizationRepository(connection, clock, direct_reads=True)
    cursors: list[Any] = []

    def record(conn: Any, cursor: Any, *args: Any) -> None:
        cursors.append(cursor)

    sortings = _sortings()
    for start in range(0, len(sortings), 3):
        for sorting in sortings[start : start + 3]:
            await repository.list_readable(
                subject, pagination=PaginationParams(page=1, limit=10), sorting=sorting
            )
        _owned(small_cache.entries())
        event.listen(connection.sync_engine, "before_cursor_execute", record)
        try:
            for organization in created:
                assert await repository.get(organization.id) == organization
        finally:
            event.remove(connection.sync_engine, "before_cursor_execute", record)
    # Statements outside the cache always go through SQLAlchemy.
    assert len(cursors) == 4 * 26 and None not in cursors


class _Probe(SqlAlchemyOrganizationRepository):
    """A repository whose statement depends on an attribute its shape leaves out."""

    def __init__(self, connection: AsyncConnection, clock: FrozenClock, slug: str | None) -> None:
        super().__init__(connection, clock)
        self.slug = slug

    async def by_slug_or_all(self, subject: AuthSubject, *, bound: bool) -> list[Organization]:
        def build(kind: SubjectKind, bound: bool) -> Select[Any]:
            statement = self.get_readable_statement(kind).order_by(organizations.c.slug)
            if self.slug is None:  # Read, but not part of the shape: the bug under test.
                return statement
            # Bound per call (the statement text changes) or built in (only its values do).
            value = bindparam("slug") if bound else literal(self.slug)
            return statement.where(organizations.c.slug == value)

        statement = self.cached(build, subject.kind, bound)
        return await self.get_all(statement, {"subject_id": subject.id, "slug": self.slug})


@pytest.mark.parametrize("bound", [True, False], ids=["another-sql", "another-value"])
async def test_a_shape_missing_an_input_is_caught_by_the_check(
    connection: AsyncConnection,
    small_cache: StatementCache,
    monkeypatch: pytest.MonkeyPatch,
    bound: bool,
) -> None:
    clock = FrozenClock()
    subject, created = await _organizations(connection, clock)
    wanted = created[0].slug
    # Without the check, the second repository silently gets the first one's statement.
    monkeypatch.setattr(small_cache, "check", False)
    everything = await _Probe(connection, clock, None if bound else created[1].slug).by_slug_or_all(
        subject, bound=bound
    )
    wrong = await _Probe(connection, clock, wanted).by_slug_or_all(subject, bound=bound)
    assert wrong == everything and [o.slug for o in wrong] != [wanted]
    # With it (as throughout the test suite), the hit is rebuilt, compared and refused.
    monkeypatch.setattr(small_cache, "check", True)
    with pytest.raises(StatementShapeMismatch, match="build"):
        await _Probe(connection, clock, wanted).by_slug_or_all(subject, bound=bound)
    # Complete shapes pass the check.
    small_cache.clear()
    for _ in range(2):
        assert await _Probe(connection, clock, wanted).by_slug_or_all(subject, bound=bound) == [
            created[0]
        ]


async def test_a_build_reading_its_enclosing_scope_is_refused(connection: AsyncConnection) -> None:
    """Caught when the statement is first built, check or no check: a value the build reads
    from the method around it would shape the statement without being part of the key."""
    repository = SqlAlchemyOrganizationRepository(connection, FrozenClock())
    slug = "acme"
    with pytest.raises(TypeError, match="reads 'slug'"):
        repository.cached(lambda: select(organizations).where(organizations.c.slug == slug))
    with pytest.raises(TypeError, match="default"):
        repository.cached(
            lambda slug=slug: select(organizations).where(organizations.c.slug == slug)
        )
    # The repository itself may be read: what a statement takes from it is its class's.
    repository.cached(lambda: select(repository.table))


def test_the_least_recently_used_entry_goes_first() -> None:
    cache = StatementCache(size=2)

    class Repository:
        pass

    owner = Repository()

    def build(n: int) -> Select[Any]:
        return select(literal(n))

    one = cache.get(owner, build, (1,))
    two = cache.get(owner, build, (2,))
    assert cache.get(owner, build, (1,)) is one  # Now the most recently used.
    cache.get(owner, build, (3,))
    assert len(cache) == 2
    assert cache.get(owner, build, (1,)) is one
    assert cache.get(owner, build, (2,)) is not two  # Evicted, then built again.
