"""Organization use cases on the memory harness: ownership, tenancy, deletion and its job."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from application.auth import AuthSubject, Scope
from application.kit.errors import NotPermitted, ResourceNotFound, ValidationFailed
from application.kit.pagination import PaginationParams
from application.organizations.commands import OrganizationCreate, OrganizationUpdate
from application.organizations.service import ORGANIZATION_DELETED
from application.organizations.sorting import DEFAULT_SORTING
from application.tokens.commands import OrganizationAccessTokenCreate
from domain.membership import MemberRole
from domain.organization import Organization, OrganizationStatus
from tests.unit.conftest import Harness, Tenant

ALL_PAGES = PaginationParams(page=1, limit=100)


async def _create(
    harness: Harness, subject: AuthSubject, slug: str, name: str = "Acme"
) -> Organization:
    async with harness.uows.write() as uow:
        organization = await harness.organizations.create(
            uow, subject, OrganizationCreate(name=name, slug=slug)
        )
        await uow.commit()
    return organization


async def _readable_ids(harness: Harness, subject: AuthSubject, **filters: str) -> set[uuid.UUID]:
    async with harness.uows.read() as uow:
        page = await harness.organizations.list(
            uow, subject, pagination=ALL_PAGES, sorting=DEFAULT_SORTING, **filters
        )
    assert page.total_count == len(page.items)
    return {o.id for o in page.items}


async def _get(harness: Harness, subject: AuthSubject, id: uuid.UUID) -> Organization:
    async with harness.uows.read() as uow:
        return await harness.organizations.get(uow, subject, id)


# --- create -------------------------------------------------------------------------------------


async def test_the_creator_becomes_the_owner(harness: Harness) -> None:
    creator = await harness.outsider()
    organization = await _create(harness, creator, "acme", name="  Acme Inc ")

    assert organization.name == "Acme Inc"
    assert organization.status is OrganizationStatus.active
    assert organization.created_at == harness.clock.now()
    async with harness.uows.read() as uow:
        membership = await uow.memberships.get(creator.require_id(), organization.id)
        stored = await uow.organizations.get(organization.id)
    assert membership is not None
    assert membership.role is MemberRole.owner
    assert stored == organization


async def test_created_organization_keeps_the_optional_fields_sent(harness: Harness) -> None:
    creator = await harness.outsider()
    async with harness.uows.write() as uow:
        organization = await harness.organizations.create(
            uow,
            creator,
            OrganizationCreate(
                name="Acme",
                slug="acme",
                email="billing@example.com",
                country="FR",
                website="https://acme.test",
            ),
        )
    assert organization.email == "billing@example.com"
    assert organization.country == "FR"
    assert organization.website == "https://acme.test/"


async def test_an_organization_token_cannot_create_organizations(harness: Harness) -> None:
    tenant = await harness.tenant()
    async with harness.uows.write() as uow:
        with pytest.raises(NotPermitted):
            await harness.organizations.create(
                uow, tenant.itself, OrganizationCreate(name="Other", slug="other")
            )
        assert await uow.organizations.get_by_slug("other") is None


async def test_a_taken_slug_is_refused_on_the_slug_field(harness: Harness) -> None:
    await harness.tenant("acme")
    someone = await harness.outsider()
    async with harness.uows.write() as uow:
        with pytest.raises(ValidationFailed) as info:
            await harness.organizations.create(
                uow, someone, OrganizationCreate(name="Acme again", slug="acme")
            )
    assert [e.loc for e in info.value.errors] == [("body", "slug")]
    assert await _readable_ids(harness, someone) == set()


async def test_a_deleted_organizations_slug_can_be_reused(harness: Harness) -> None:
    tenant = await harness.tenant("acme")
    async with harness.uows.write() as uow:
        await harness.organizations.delete(uow, tenant.owner, tenant.organization.id)
        await uow.commit()
    again = await _create(harness, tenant.owner, "acme")
    assert again.id != tenant.organization.id


@pytest.mark.parametrize(
    "slug", ["Acme", "acme_inc", "-acme", "acme--inc", "admin", "dashboard", "acme\n"]
)
async def test_an_invalid_slug_is_refused_on_the_slug_field(harness: Harness, slug: str) -> None:
    creator = await harness.outsider()
    async with harness.uows.write() as uow:
        with pytest.raises(ValidationFailed) as info:
            await harness.organizations.create(
                uow, creator, OrganizationCreate(name="X", slug=slug)
            )
        assert await uow.organizations.get_by_slug(slug) is None
    assert [e.loc for e in info.value.errors] == [("body", "slug")]


# --- tenancy: get and list ----------------------------------------------------------------------


async def test_a_user_sees_only_organizations_they_belong_to(harness: Harness) -> None:
    acme = await harness.tenant("acme")
    globex = await harness.tenant("globex")

    assert await _readable_ids(harness, acme.owner) == {acme.organization.id}
    assert await _readable_ids(harness, globex.owner) == {globex.organization.id}
    assert (await _get(harness, acme.owner, acme.organization.id)).slug == "acme"
    with pytest.raises(ResourceNotFound):
        await _get(harness, acme.owner, globex.organization.id)


async def test_a_user_in_two_organizations_sees_both(harness: Harness) -> None:
    acme = await harness.tenant("acme")
    globex = await harness.tenant("globex")
    member = (await harness.member(globex, MemberRole.member)).subject
    third = await _create(harness, member, "initech")
    await harness.tenant("umbrella")

    assert await _readable_ids(harness, member) == {globex.organization.id, third.id}
    assert acme.organization.id not in await _readable_ids(harness, member)
    assert await _readable_ids(harness, member, slug="initech") == {third.id}


async def test_an_organization_sees_only_itself(harness: Harness) -> None:
    acme = await harness.tenant("acme")
    globex = await harness.tenant("globex")

    assert await _readable_ids(harness, acme.itself) == {acme.organization.id}
    assert (await _get(harness, acme.itself, acme.organization.id)).id == acme.organization.id
    with pytest.raises(ResourceNotFound):
        await _get(harness, acme.itself, globex.organization.id)


async def test_unknown_ids_and_anonymous_callers_find_nothing(harness: Harness) -> None:
    acme = await harness.tenant("acme")
    with pytest.raises(ResourceNotFound):
        await _get(harness, acme.owner, uuid.uuid4())
    with pytest.raises(ResourceNotFound):
        await _get(harness, AuthSubject.anonymous(), acme.organization.id)
    assert await _readable_ids(harness, AuthSubject.anonymous()) == set()


async def test_listing_paginates_and_counts_everything_readable(harness: Harness) -> None:
    owner = await harness.outsider()
    for slug in ["aaa", "bbb", "ccc"]:
        await _create(harness, owner, slug)
        harness.clock.advance(timedelta(seconds=1))
    async with harness.uows.read() as uow:
        page = await harness.organizations.list(
            uow, owner, pagination=PaginationParams(page=2, limit=2), sorting=DEFAULT_SORTING
        )
    assert page.total_count == 3
    assert page.max_page == 2
    assert [o.slug for o in page.items] == ["ccc"]


# --- update -------------------------------------------------------------------------------------


async def _rename(
    harness: Harness, subject: AuthSubject, tenant: Tenant, name: str
) -> Organization:
    async with harness.uows.write() as uow:
        organization = await harness.organizations.update(
            uow, subject, tenant.organization.id, OrganizationUpdate(name=name)
        )
        await uow.commit()
    return organization


@pytest.mark.parametrize("role", [MemberRole.owner, MemberRole.admin])
async def test_owners_and_admins_update_the_organization(
    harness: Harness, role: MemberRole
) -> None:
    tenant = await harness.tenant()
    subject = (
        tenant.owner if role is MemberRole.owner else (await harness.member(tenant, role)).subject
    )
    harness.clock.advance(timedelta(minutes=5))

    updated = await _rename(harness, subject, tenant, "Renamed")

    assert updated.name == "Renamed"
    assert updated.modified_at == harness.clock.now()
    assert (await _get(harness, tenant.owner, tenant.organization.id)).name == "Renamed"


async def test_the_organization_itself_may_update_its_settings(harness: Harness) -> None:
    tenant = await harness.tenant()
    async with harness.uows.write() as uow:
        await harness.organizations.update(
            uow,
            tenant.itself,
            tenant.organization.id,
            OrganizationUpdate(default_presentment_currency="eur", embed_hosts=["shop.test"]),
        )
        await uow.commit()
    stored = await _get(harness, tenant.owner, tenant.organization.id)
    assert stored.default_presentment_currency == "eur"
    assert stored.embed_hosts == ["shop.test"]
    assert stored.name == tenant.organization.name


@pytest.mark.parametrize("role", [MemberRole.member, MemberRole.finance])
async def test_members_and_finance_cannot_update(harness: Harness, role: MemberRole) -> None:
    tenant = await harness.tenant()
    subject = (await harness.member(tenant, role)).subject
    with pytest.raises(NotPermitted):
        await _rename(harness, subject, tenant, "Hijacked")
    assert (
        await _get(harness, tenant.owner, tenant.organization.id)
    ).name == tenant.organization.name


async def test_another_tenant_cannot_update(harness: Harness) -> None:
    acme = await harness.tenant("acme")
    globex = await harness.tenant("globex")
    for intruder in (globex.owner, globex.itself):
        with pytest.raises(ResourceNotFound):
            await _rename(harness, intruder, acme, "Hijacked")
    assert (await _get(harness, acme.owner, acme.organization.id)).name == acme.organization.name


# --- delete -------------------------------------------------------------------------------------


async def test_owner_deletes_and_the_job_is_sent_after_commit(harness: Harness) -> None:
    tenant = await harness.tenant()
    org_id = tenant.organization.id

    async with harness.uows.write() as uow:
        await harness.organizations.delete(uow, tenant.owner, org_id)
        assert harness.queue.sent == []  # nothing leaves before the commit
        assert harness.store.outbox == []
        await uow.commit()

    assert [(j.name, dict(j.arguments)) for j in harness.store.outbox] == [
        (ORGANIZATION_DELETED, {"organization_id": str(org_id)})
    ]
    assert [j.id for j in harness.queue.sent] == [harness.store.outbox[0].id]
    assert harness.queue.sent[0].name == "organization.deleted"
    with pytest.raises(ResourceNotFound):
        await _get(harness, tenant.owner, org_id)
    assert await _readable_ids(harness, tenant.owner) == set()
    assert harness.store.tables["organizations"][org_id].deleted_at == harness.clock.now()


async def test_leaving_the_unit_of_work_without_commit_undoes_the_delete(harness: Harness) -> None:
    tenant = await harness.tenant()
    async with harness.uows.write() as uow:
        await harness.organizations.delete(uow, tenant.owner, tenant.organization.id)

    assert harness.queue.sent == []
    assert harness.store.outbox == []
    assert (await _get(harness, tenant.owner, tenant.organization.id)).deleted_at is None


async def test_explicit_rollback_undoes_the_delete_and_drops_the_job(harness: Harness) -> None:
    tenant = await harness.tenant()
    async with harness.uows.write() as uow:
        await harness.organizations.delete(uow, tenant.owner, tenant.organization.id)
        await uow.rollback()
        assert await uow.organizations.get(tenant.organization.id) is not None
        await uow.commit()  # commits nothing: the job went with the rollback

    assert harness.queue.sent == []
    assert harness.store.outbox == []


@pytest.mark.parametrize("role", [MemberRole.admin, MemberRole.member, MemberRole.finance])
async def test_only_an_owner_may_delete(harness: Harness, role: MemberRole) -> None:
    tenant = await harness.tenant()
    subject = (await harness.member(tenant, role)).subject
    async with harness.uows.write() as uow:
        with pytest.raises(NotPermitted):
            await harness.organizations.delete(uow, subject, tenant.organization.id)
        await uow.commit()
    assert harness.queue.sent == []
    assert (await _get(harness, tenant.owner, tenant.organization.id)).deleted_at is None


async def test_an_organization_token_cannot_delete_its_organization(harness: Harness) -> None:
    tenant = await harness.tenant()
    async with harness.uows.write() as uow:
        with pytest.raises(NotPermitted):
            await harness.organizations.delete(uow, tenant.itself, tenant.organization.id)
    assert (await _get(harness, tenant.owner, tenant.organization.id)).deleted_at is None


async def test_another_tenants_owner_cannot_delete(harness: Harness) -> None:
    acme = await harness.tenant("acme")
    globex = await harness.tenant("globex")
    async with harness.uows.write() as uow:
        with pytest.raises(ResourceNotFound):
            await harness.organizations.delete(uow, globex.owner, acme.organization.id)
        await uow.commit()
    assert harness.queue.sent == []


async def test_deleting_twice_is_not_found_the_second_time(harness: Harness) -> None:
    tenant = await harness.tenant()
    async with harness.uows.write() as uow:
        await harness.organizations.delete(uow, tenant.owner, tenant.organization.id)
        await uow.commit()
    async with harness.uows.write() as uow:
        with pytest.raises(ResourceNotFound):
            await harness.organizations.delete(uow, tenant.owner, tenant.organization.id)
    assert len(harness.queue.sent) == 1


# --- the organization.deleted job ---------------------------------------------------------------


async def _issue_token(harness: Harness, tenant: Tenant) -> None:
    async with harness.uows.write() as uow:
        await harness.tokens.create_organization_token(
            uow,
            tenant.owner,
            OrganizationAccessTokenCreate(
                organization_id=tenant.organization.id, comment="extra", scopes=[Scope.orders_read]
            ),
        )
        await uow.commit()


async def test_on_deleted_revokes_every_token_of_the_organization_once(harness: Harness) -> None:
    acme = await harness.tenant("acme")
    globex = await harness.tenant("globex")
    await _issue_token(harness, acme)
    async with harness.uows.write() as uow:
        await harness.organizations.delete(uow, acme.owner, acme.organization.id)
        await uow.commit()
    job = harness.queue.sent[0]
    harness.clock.advance(timedelta(seconds=30))

    async with harness.uows.write() as uow:
        revoked = await harness.organizations.on_deleted(
            uow, uuid.UUID(str(job.arguments["organization_id"]))
        )
        await uow.commit()
    async with harness.uows.write() as uow:
        revoked_again = await harness.organizations.on_deleted(uow, acme.organization.id)
        await uow.commit()

    assert (revoked, revoked_again) == (2, 0)
    tokens = harness.store.tables["organization_access_tokens"].values()
    acme_tokens = [t for t in tokens if t.organization_id == acme.organization.id]
    globex_tokens = [t for t in tokens if t.organization_id == globex.organization.id]
    assert len(acme_tokens) == 2
    assert all(t.deleted_at == harness.clock.now() for t in acme_tokens)
    assert all(t.deleted_at is None for t in globex_tokens)


async def test_on_deleted_without_commit_revokes_nothing(harness: Harness) -> None:
    acme = await harness.tenant("acme")
    async with harness.uows.write() as uow:
        assert await harness.organizations.on_deleted(uow, acme.organization.id) == 1
    async with harness.uows.write() as uow:
        assert await harness.organizations.on_deleted(uow, acme.organization.id) == 1
