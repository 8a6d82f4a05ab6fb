"""The direct statement path: its guard (it runs only on the SQLAlchemy minor version it was
written for, and otherwise leaves every statement to SQLAlchemy, saying so once), and write
units of work running their cached statements on the driver inside their transaction."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.memory.fakes import FrozenClock, RecordingJobQueue
from adapters.sqlalchemy.engine import EngineConnectionSource
from adapters.sqlalchemy.kit import direct
from adapters.sqlalchemy.repositories.organizations import SqlAlchemyOrganizationRepository
from application.kit.errors import ValidationFailed
from application.kit.pagination import PaginationParams
from application.kit.sorting import Sorting
from application.organizations.sorting import OrganizationSortProperty
from domain.organization import Organization
from tests.contract.conftest import owned_organization, sql_units_of_work
from tests.harness import SharedConnectionSource, statements_sent


async def test_another_sqlalchemy_minor_reads_through_sqlalchemy(
    connection: AsyncConnection, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FrozenClock()
    uows = sql_units_of_work(SharedConnectionSource(connection), clock, RecordingJobQueue())
    async with uows.write() as uow:
        organization, subject = await owned_organization(uow, clock)
        await uow.commit()
    monkeypatch.setattr(direct, "SQLALCHEMY_VERSION", "2.2.0")
    monkeypatch.setattr(direct, "refused", None)

    class Organizations(SqlAlchemyOrganizationRepository):
        """A class of its own, so that none of its statements was compiled before."""

    cursors: list[Any] = []

    def record(conn: Any, cursor: Any, *args: Any) -> None:
        cursors.append(cursor)

    repository = Organizations(connection, clock, direct_reads=True)
    event.listen(connection.sync_engine, "before_cursor_execute", record)
    try:
        with caplog.at_level(logging.WARNING, logger="meridian.sqlalchemy.direct"):
            assert await repository.get_readable(subject, organization.id) == organization
            page = await repository.list_readable(
                subject,
                pagination=PaginationParams(page=1, limit=10),
                sorting=[Sorting(OrganizationSortProperty.name)],
            )
    finally:
        event.remove(connection.sync_engine, "before_cursor_execute", record)
    assert page.items == [organization]
    # Both statements ran through SQLAlchemy's cursors, none on the driver directly.
    assert len(cursors) == 2 and None not in cursors, cursors
    [warning] = caplog.records
    assert "2.1.x" in warning.getMessage() and "2.2.0" in warning.getMessage()
    assert not direct.supported()


def test_the_running_sqlalchemy_is_the_one_direct_reads_were_written_for() -> None:
    """pyproject.toml pins this minor version; a bump must come with a look at kit/direct.py."""
    assert direct.supported(), direct.refused


async def test_write_units_of_work_run_cached_statements_on_the_driver_in_their_transaction(
    engine: AsyncEngine,
) -> None:
    """As in production (no test transaction around it): the driver's transaction is begun
    before the first direct statement, statements through SQLAlchemy join it, and leaving
    without a commit rolls all of it back; a broken constraint is SQLAlchemy's IntegrityError,
    which the repository turns into the client's validation error."""
    clock = FrozenClock()
    uows = sql_units_of_work(EngineConnectionSource(engine), clock, RecordingJobQueue())
    organization = Organization.create(
        name="Direct", slug=f"direct-{uuid.uuid4().hex}", at=clock.now()
    )
    with statements_sent(engine) as sent:
        async with uows.write() as uow:
            await uow.organizations.create(organization)  # on the driver: it begins
            assert await uow.organizations.get(organization.id) == organization  # SQLAlchemy
            twin = Organization.create(name="Twin", slug=organization.slug, at=clock.now())
            with pytest.raises(ValidationFailed) as refused:
                await uow.organizations.create(twin)
            # Not committed: the unit of work rolls back on leaving.
    assert refused.value.errors[0].loc == ("body", "slug")
    assert sent[0].cursor is None and sent[1].cursor is not None, sent
    async with uows.read() as uow:
        assert await uow.organizations.get(organization.id) is None
