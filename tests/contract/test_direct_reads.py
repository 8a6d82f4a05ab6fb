"""The direct read path's guard: it runs only on the SQLAlchemy minor version it was written
for, and otherwise leaves every read to SQLAlchemy, saying so once."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.memory.fakes import FrozenClock, RecordingJobQueue
from adapters.sqlalchemy.kit import direct
from adapters.sqlalchemy.repositories.organizations import SqlAlchemyOrganizationRepository
from application.kit.pagination import PaginationParams
from application.kit.sorting import Sorting
from application.organizations.sorting import OrganizationSortProperty
from tests.contract.conftest import owned_organization, sql_units_of_work
from tests.harness import SharedConnectionSource


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
