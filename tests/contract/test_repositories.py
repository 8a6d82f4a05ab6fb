"""One contract for every repository adapter: sorting, pagination, soft deletion, tenancy."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from application.auth import MERCHANT_SCOPES, AuthSubject, Scope
from application.kit.errors import ValidationFailed
from application.kit.pagination import PaginationParams
from application.kit.sorting import Sorting
from application.organizations.sorting import OrganizationSortProperty as P
from application.tokens.sorting import AccessTokenSortProperty
from application.uow import UnitOfWork
from domain.access_token import OrganizationAccessToken, PersonalAccessToken
from domain.membership import MemberRole, Membership
from domain.organization import Organization
from domain.user import User
from tests.contract.conftest import Adapter


async def _org(
    uow: UnitOfWork, adapter: Adapter, slug: str, name: str | None = None, owner: User | None = None
) -> Organization:
    organization = Organization.create(name=name or slug, slug=slug, at=adapter.clock.now())
    await uow.organizations.create(organization)
    if owner is not None:
        await uow.memberships.create(
            Membership(user_id=owner.id, organization_id=organization.id, role=MemberRole.owner)
        )
    adapter.clock.advance(timedelta(seconds=1))
    return organization


async def _user(uow: UnitOfWork, email: str | None = None) -> User:
    user = User(email=email or f"{uuid.uuid4().hex[:8]}@example.com")
    await uow.users.create(user)
    return user


def _page(page: int = 1, limit: int = 10) -> PaginationParams:
    return PaginationParams(page=page, limit=limit)


class TestOrganizations:
    async def test_sorting(self, adapter: Adapter) -> None:
        async with adapter.uows.write() as uow:
            owner = await _user(uow)
            slugs = ["delta-co", "alpha-co", "charlie-co", "bravo-co"]
            names = ["b name", "d name", "a name", "c name"]
            for slug, name in zip(slugs, names, strict=True):
                await _org(uow, adapter, slug, name, owner)
            subject = AuthSubject.user(owner.id, MERCHANT_SCOPES)

            async def order(*sorting: Sorting[P]) -> list[str]:
                page = await uow.organizations.list_readable(
                    subject, pagination=_page(), sorting=list(sorting)
                )
                return [o.slug for o in page.items]

            assert await order(Sorting(P.created_at)) == slugs
            assert await order(Sorting(P.created_at, descending=True)) == slugs[::-1]
            assert await order(Sorting(P.slug)) == sorted(slugs)
            assert await order(Sorting(P.name, descending=True)) == [
                "alpha-co",
                "bravo-co",
                "delta-co",
                "charlie-co",
            ]

    async def test_ties_are_broken_by_id_so_pages_never_overlap(self, adapter: Adapter) -> None:
        async with adapter.uows.write() as uow:
            owner = await _user(uow)
            for i in range(7):
                organization = Organization.create(
                    name="same", slug=f"tie-{i}", at=adapter.clock.now()
                )
                await uow.organizations.create(organization)
                await uow.memberships.create(
                    Membership(user_id=owner.id, organization_id=organization.id)
                )
            subject = AuthSubject.user(owner.id, MERCHANT_SCOPES)
            seen: list[uuid.UUID] = []
            for page in (1, 2, 3, 4):
                result = await uow.organizations.list_readable(
                    subject, pagination=_page(page, 2), sorting=[Sorting(P.name)]
                )
                assert result.total_count == 7
                assert result.max_page == 4
                seen.extend(o.id for o in result.items)
            assert len(seen) == len(set(seen)) == 7
            assert seen == sorted(seen, key=lambda i: i.int)

    async def test_pagination_past_the_end(self, adapter: Adapter) -> None:
        async with adapter.uows.write() as uow:
            owner = await _user(uow)
            for i in range(3):
                await _org(uow, adapter, f"page-{i}", owner=owner)
            subject = AuthSubject.user(owner.id, MERCHANT_SCOPES)
            page = await uow.organizations.list_readable(
                subject, pagination=_page(5, 2), sorting=[]
            )
            assert list(page.items) == []
            assert page.total_count == 3

    async def test_soft_deleted_are_invisible_and_slug_reusable(self, adapter: Adapter) -> None:
        async with adapter.uows.write() as uow:
            owner = await _user(uow)
            gone = await _org(uow, adapter, "gone-co", owner=owner)
            kept = await _org(uow, adapter, "kept-co", owner=owner)
            gone.soft_delete(adapter.clock.now())
            await uow.organizations.update(gone)
            subject = AuthSubject.user(owner.id, MERCHANT_SCOPES)
            assert await uow.organizations.get(gone.id) is None
            assert await uow.organizations.get_readable(subject, gone.id) is None
            assert await uow.organizations.get_by_slug("gone-co") is None
            page = await uow.organizations.list_readable(subject, pagination=_page(), sorting=[])
            assert [o.id for o in page.items] == [kept.id]
            assert page.total_count == 1
            again = await _org(uow, adapter, "gone-co", owner=owner)
            assert (await uow.organizations.get_by_slug("gone-co")).id == again.id  # type: ignore[union-attr]

    async def test_live_slug_is_unique(self, adapter: Adapter) -> None:
        async with adapter.uows.write() as uow:
            await _org(uow, adapter, "taken-co")
            with pytest.raises(ValidationFailed) as caught:
                await _org(uow, adapter, "taken-co")
            assert caught.value.errors[0].loc == ("body", "slug")

    async def test_readability_across_tenants(self, adapter: Adapter) -> None:
        async with adapter.uows.write() as uow:
            alice, bob = await _user(uow), await _user(uow)
            a = await _org(uow, adapter, "alice-co", owner=alice)
            b = await _org(uow, adapter, "bob-co", owner=bob)
            subjects = {
                "alice": AuthSubject.user(alice.id, MERCHANT_SCOPES),
                "a-token": AuthSubject.organization(a.id, MERCHANT_SCOPES),
            }
            for subject in subjects.values():
                assert await uow.organizations.get_readable(subject, b.id) is None
                assert (await uow.organizations.get_readable(subject, a.id)).id == a.id  # type: ignore[union-attr]
                page = await uow.organizations.list_readable(
                    subject, pagination=_page(), sorting=[]
                )
                assert [o.id for o in page.items] == [a.id]
            anonymous = AuthSubject.anonymous()
            assert await uow.organizations.get_readable(anonymous, a.id) is None
            page = await uow.organizations.list_readable(anonymous, pagination=_page(), sorting=[])
            assert page.total_count == 0

    async def test_update_persists_the_whole_entity(self, adapter: Adapter) -> None:
        async with adapter.uows.write() as uow:
            organization = await _org(uow, adapter, "update-co")
            organization.embed_hosts = ["a.example.com"]
            await uow.organizations.update(
                organization, {"name": "Updated", "email": "x@example.com"}
            )
            stored = await uow.organizations.get(organization.id)
            assert stored is not None
            assert (stored.name, stored.email, stored.embed_hosts) == (
                "Updated",
                "x@example.com",
                ["a.example.com"],
            )
            assert stored.modified_at == adapter.clock.now()
            assert stored.subscription_settings == organization.subscription_settings


class TestAccessTokens:
    async def test_usable_by_digest(self, adapter: Adapter) -> None:
        async with adapter.uows.write() as uow:
            owner = await _user(uow)
            organization = await _org(uow, adapter, "tokens-co", owner=owner)
            now = adapter.clock.now()
            live = OrganizationAccessToken(
                organization_id=organization.id,
                token_digest="d-live",
                scopes=frozenset(MERCHANT_SCOPES),
            )
            expired = OrganizationAccessToken(
                organization_id=organization.id,
                token_digest="d-exp",
                expires_at=now - timedelta(seconds=1),
            )
            later = OrganizationAccessToken(
                organization_id=organization.id,
                token_digest="d-later",
                expires_at=now + timedelta(hours=1),
            )
            revoked = OrganizationAccessToken(
                organization_id=organization.id, token_digest="d-rev", deleted_at=now
            )
            for token in (live, expired, later, revoked):
                await uow.organization_access_tokens.create(token)
            found = await uow.organization_access_tokens.get_usable_by_digest("d-live", now)
            assert found is not None
            assert found.id == live.id
            assert found.scopes == live.scopes
            assert (
                await uow.organization_access_tokens.get_usable_by_digest("d-later", now)
                is not None
            )
            assert await uow.organization_access_tokens.get_usable_by_digest("d-exp", now) is None
            assert await uow.organization_access_tokens.get_usable_by_digest("d-rev", now) is None
            assert await uow.organization_access_tokens.get_usable_by_digest("nope", now) is None
            # A deleted organization's tokens stop working at once, before any job revokes them.
            organization.soft_delete(now)
            await uow.organizations.update(organization)
            assert await uow.organization_access_tokens.get_usable_by_digest("d-live", now) is None

    async def test_personal_token_of_deleted_user(self, adapter: Adapter) -> None:
        async with adapter.uows.write() as uow:
            user = await _user(uow)
            await uow.personal_access_tokens.create(
                PersonalAccessToken(
                    user_id=user.id, token_digest="p1", scopes=frozenset({Scope.organizations_read})
                )
            )
            now = adapter.clock.now()
            assert (await uow.personal_access_tokens.get_usable_by_digest("p1", now)).scopes == {
                Scope.organizations_read
            }  # type: ignore[union-attr]

    async def test_revoke_all_and_listing(self, adapter: Adapter) -> None:
        async with adapter.uows.write() as uow:
            alice, bob = await _user(uow), await _user(uow)
            a = await _org(uow, adapter, "rev-a", owner=alice)
            b = await _org(uow, adapter, "rev-b", owner=bob)
            for i in range(3):
                await uow.organization_access_tokens.create(
                    OrganizationAccessToken(
                        organization_id=a.id, token_digest=f"a{i}", comment=f"c{2 - i}"
                    )
                )
            await uow.organization_access_tokens.create(
                OrganizationAccessToken(organization_id=b.id, token_digest="b0")
            )
            subject = AuthSubject.user(alice.id, MERCHANT_SCOPES)
            page = await uow.organization_access_tokens.list_readable(
                subject, pagination=_page(), sorting=[Sorting(AccessTokenSortProperty.comment)]
            )
            assert [t.comment for t in page.items] == ["c0", "c1", "c2"]
            assert (
                await uow.organization_access_tokens.revoke_all_for_organization(
                    a.id, adapter.clock.now()
                )
                == 3
            )
            assert (
                await uow.organization_access_tokens.revoke_all_for_organization(
                    a.id, adapter.clock.now()
                )
                == 0
            )
            page = await uow.organization_access_tokens.list_readable(
                subject, pagination=_page(), sorting=[]
            )
            assert page.total_count == 0
            bob_page = await uow.organization_access_tokens.list_readable(
                AuthSubject.user(bob.id, MERCHANT_SCOPES), pagination=_page(), sorting=[]
            )
            assert bob_page.total_count == 1

    async def test_record_usage_never_moves_backwards(self, adapter: Adapter) -> None:
        async with adapter.uows.write() as uow:
            organization = await _org(uow, adapter, "usage-co")
            token = OrganizationAccessToken(organization_id=organization.id, token_digest="u1")
            await uow.organization_access_tokens.create(token)
            now = adapter.clock.now()
            await uow.organization_access_tokens.record_usage({token.id: now})
            await uow.organization_access_tokens.record_usage({token.id: now - timedelta(hours=1)})
            stored = await uow.organization_access_tokens.get_usable_by_digest("u1", now)
            assert stored is not None
            assert stored.last_used_at == now


class TestUnitOfWork:
    async def test_leaving_without_commit_rolls_back(self, adapter: Adapter) -> None:
        async with adapter.uows.write() as uow:
            await _org(uow, adapter, "never-co")
            uow.enqueue("organization.deleted", organization_id="x")
        async with adapter.uows.read() as uow:
            assert await uow.organizations.get_by_slug("never-co") is None
        assert adapter.queue.sent == []

    async def test_commit_persists_then_sends_jobs(self, adapter: Adapter) -> None:
        async with adapter.uows.write() as uow:
            organization = await _org(uow, adapter, "commit-co")
            uow.enqueue("organization.deleted", organization_id=str(organization.id))
            assert adapter.queue.sent == []  # nothing leaves before the commit
            await uow.commit()
        assert [(j.name, dict(j.arguments)) for j in adapter.queue.sent] == [
            ("organization.deleted", {"organization_id": str(organization.id)})
        ]
        async with adapter.uows.read() as uow:
            assert (await uow.organizations.get_by_slug("commit-co")) is not None

    async def test_explicit_rollback_discards_jobs(self, adapter: Adapter) -> None:
        async with adapter.uows.write() as uow:
            uow.enqueue("organization.deleted", organization_id="x")
            await uow.rollback()
        assert adapter.queue.sent == []

    async def test_read_only_refuses_jobs(self, adapter: Adapter) -> None:
        async with adapter.uows.read() as uow:
            with pytest.raises(RuntimeError):
                uow.enqueue("organization.deleted", organization_id="x")
