"""The FileRepository contract, against the memory and SQLAlchemy adapters."""

from __future__ import annotations

import uuid
from datetime import timedelta

from application.auth import MERCHANT_SCOPES, AuthSubject
from application.kit.pagination import PaginationParams
from application.uow import UnitOfWork
from domain.file import File, FileService, UploadState
from domain.membership import MemberRole, Membership
from domain.organization import Organization
from domain.user import User
from tests.contract.conftest import Adapter


async def _tenant(uow: UnitOfWork, adapter: Adapter) -> tuple[User, Organization]:
    user = User(email=f"{uuid.uuid4().hex[:8]}@example.com")
    await uow.users.create(user)
    organization = Organization.create(
        name="Files", slug=f"files-{uuid.uuid4().hex[:8]}", at=adapter.clock.now()
    )
    await uow.organizations.create(organization)
    await uow.memberships.create(
        Membership(user_id=user.id, organization_id=organization.id, role=MemberRole.member)
    )
    return user, organization


async def _file(uow: UnitOfWork, adapter: Adapter, organization: Organization, name: str) -> File:
    id = uuid.uuid4()
    file = File(
        id=id,
        created_at=adapter.clock.now(),
        organization_id=organization.id,
        name=name,
        mime_type="application/zip",
        size=5 * 1024**3 + 1,  # beyond 32 bits
        service=FileService.downloadable,
        path=f"{organization.id}/{id}.zip",
        upload_id="upload-1",
    )
    await uow.files.create(file)
    adapter.clock.advance(timedelta(seconds=1))
    return file


def _page(page: int = 1, limit: int = 10) -> PaginationParams:
    return PaginationParams(page=page, limit=limit)


async def test_round_trip_and_update(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        user, organization = await _tenant(uow, adapter)
        file = await _file(uow, adapter, organization, "a.zip")
        subject = AuthSubject.user(user.id, MERCHANT_SCOPES)
        stored = await uow.files.get_readable(subject, file.id)
        assert stored == file
        stored.complete(
            size=file.size,
            sha256_hex="ab" * 32,
            etag='"etag-3"',
            storage_version="v1",
            last_modified_at=adapter.clock.now(),
        )
        await uow.files.update(stored, {"name": "b.zip"})
        again = await uow.files.get_readable(subject, file.id)
        assert again is not None
        assert (again.name, again.upload_state, again.is_uploaded) == (
            "b.zip",
            UploadState.uploaded,
            True,
        )
        assert again.checksum_sha256_base64 == stored.checksum_sha256_base64
        assert (again.checksum_etag, again.storage_version) == ('"etag-3"', "v1")
        assert again.modified_at == adapter.clock.now()


async def test_readable_by_members_and_the_organization_only(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        alice, a = await _tenant(uow, adapter)
        bob, b = await _tenant(uow, adapter)
        file = await _file(uow, adapter, a, "a.zip")
        await _file(uow, adapter, b, "b.zip")
        for subject in (
            AuthSubject.user(alice.id, MERCHANT_SCOPES),
            AuthSubject.organization(a.id, MERCHANT_SCOPES),
        ):
            assert (await uow.files.get_readable(subject, file.id)) is not None
            page = await uow.files.list_readable(subject, pagination=_page())
            assert [f.id for f in page.items] == [file.id]
        for subject in (
            AuthSubject.user(bob.id, MERCHANT_SCOPES),
            AuthSubject.organization(b.id, MERCHANT_SCOPES),
            AuthSubject.anonymous(),
        ):
            assert await uow.files.get_readable(subject, file.id) is None
            page = await uow.files.list_readable(
                subject, organization_ids=[a.id], pagination=_page()
            )
            assert page.total_count == 0


async def test_listing_order_filters_and_pages(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        user, organization = await _tenant(uow, adapter)
        other = Organization.create(
            name="Other", slug=f"other-{uuid.uuid4().hex[:8]}", at=adapter.clock.now()
        )
        await uow.organizations.create(other)
        await uow.memberships.create(Membership(user_id=user.id, organization_id=other.id))
        files = [await _file(uow, adapter, organization, f"f{i}") for i in range(5)]
        elsewhere = await _file(uow, adapter, other, "elsewhere")
        subject = AuthSubject.user(user.id, MERCHANT_SCOPES)

        everything = await uow.files.list_readable(subject, pagination=_page())
        assert [f.id for f in everything.items] == [elsewhere.id] + [f.id for f in files[::-1]]
        mine = await uow.files.list_readable(
            subject, organization_ids=[organization.id], pagination=_page(2, 2)
        )
        assert (mine.total_count, mine.max_page) == (5, 3)
        assert [f.name for f in mine.items] == ["f2", "f1"]
        chosen = await uow.files.list_readable(
            subject, ids=[files[0].id, elsewhere.id], pagination=_page()
        )
        assert {f.id for f in chosen.items} == {files[0].id, elsewhere.id}
        both = await uow.files.list_readable(
            subject, organization_ids=[other.id], ids=[files[0].id], pagination=_page()
        )
        assert both.total_count == 0


async def test_soft_deleted_files_are_invisible_but_found_by_jobs(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        _, organization = await _tenant(uow, adapter)
        file = await _file(uow, adapter, organization, "gone.zip")
        file.soft_delete(adapter.clock.now())
        await uow.files.update(file)
        subject = AuthSubject.organization(organization.id, MERCHANT_SCOPES)
        assert await uow.files.get_readable(subject, file.id) is None
        assert (await uow.files.list_readable(subject, pagination=_page())).total_count == 0
        found = await uow.files.get_including_deleted(file.id)
        assert found is not None
        assert found.is_deleted
        assert await uow.files.get_including_deleted(uuid.uuid4()) is None


async def test_get_many_reads_live_files_of_any_organization(adapter: Adapter) -> None:
    async with adapter.uows.write() as uow:
        _, mine = await _tenant(uow, adapter)
        _, theirs = await _tenant(uow, adapter)
        first = await _file(uow, adapter, mine, "a.zip")
        second = await _file(uow, adapter, theirs, "b.zip")
        gone = await _file(uow, adapter, mine, "gone.zip")
        gone.soft_delete(adapter.clock.now())
        await uow.files.update(gone)
        found = await uow.files.get_many([first.id, second.id, gone.id, uuid.uuid4()])
        assert sorted(found, key=lambda f: f.name) == [first, second]
        assert await uow.files.get_many([]) == []
