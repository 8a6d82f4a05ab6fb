"""What every unit of work promises, whichever adapter: what one commits stays committed,
whatever other units of work are open around it."""

from __future__ import annotations

import uuid

import pytest

from domain.user import User
from tests.contract.conftest import Adapter


def _user() -> User:
    return User(email=f"{uuid.uuid4().hex[:8]}@example.com")


async def test_a_write_committed_while_a_read_is_open_outlives_the_read(adapter: Adapter) -> None:
    # What authentication does for a token it has not cached: its read unit of work opens
    # before the route's write one and closes after it.
    user = _user()
    async with adapter.uows.read() as read:
        assert await read.users.get(user.id) is None
        async with adapter.uows.write() as write:
            await write.users.create(user)
            await write.commit()
    async with adapter.uows.read() as uow:
        assert await uow.users.get(user.id) == user


async def test_leaving_without_a_commit_keeps_nothing(adapter: Adapter) -> None:
    committed, dropped = _user(), _user()
    async with adapter.uows.write() as uow:
        await uow.users.create(committed)
        await uow.commit()
        await uow.users.create(dropped)
    async with adapter.uows.read() as uow:
        assert await uow.users.get(committed.id) == committed
        assert await uow.users.get(dropped.id) is None


async def test_a_unit_of_work_builds_only_registered_repositories(adapter: Adapter) -> None:
    async with adapter.uows.read() as uow:
        with pytest.raises(AttributeError, match="no repository named 'invoices'"):
            _ = uow.invoices
