"""Organization access tokens: who may issue, change and revoke them, and with which scopes."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from application.auth import AuthSubject, Scope
from application.kit.errors import NotPermitted, ResourceNotFound, ValidationFailed
from application.kit.pagination import PaginationParams
from application.tokens.commands import OrganizationAccessTokenCreate, OrganizationAccessTokenUpdate
from application.tokens.sorting import DEFAULT_SORTING
from domain.access_token import OrganizationAccessToken, TokenKind
from domain.membership import MemberRole
from tests.unit.conftest import Harness, Tenant


async def _create(
    harness: Harness,
    subject: AuthSubject,
    organization_id: uuid.UUID | None,
    scopes: list[Scope],
    **fields: object,
) -> tuple[OrganizationAccessToken, str]:
    async with harness.uows.write() as uow:
        result = await harness.tokens.create_organization_token(
            uow,
            subject,
            OrganizationAccessTokenCreate(
                organization_id=organization_id, comment="ci", scopes=scopes, **fields
            ),
        )
        await uow.commit()
    return result


def _live_tokens_of(harness: Harness, tenant: Tenant) -> list[OrganizationAccessToken]:
    return [
        t
        for t in harness.store.tables["organization_access_tokens"].values()
        if t.organization_id == tenant.organization.id and t.deleted_at is None
    ]


# --- create -------------------------------------------------------------------------------------


async def test_owner_issues_a_token_stored_only_as_a_digest(harness: Harness) -> None:
    tenant = await harness.tenant()
    record, secret = await _create(
        harness,
        tenant.owner,
        tenant.organization.id,
        [Scope.products_read],
        expires_in=timedelta(days=30),
    )

    assert TokenKind.of(secret) is TokenKind.organization
    stored = harness.store.tables["organization_access_tokens"][record.id]
    assert stored.token_digest == harness.hasher.digest(secret)
    assert secret not in stored.token_digest
    assert stored.scopes == {Scope.products_read}
    assert stored.organization_id == tenant.organization.id
    assert stored.expires_at == harness.clock.now() + timedelta(days=30)
    assert stored.comment == "ci"


async def test_a_token_without_expires_in_never_expires(harness: Harness) -> None:
    tenant = await harness.tenant()
    record, _ = await _create(harness, tenant.owner, tenant.organization.id, [Scope.orders_read])
    assert record.expires_at is None


async def test_implied_read_scopes_may_be_delegated(harness: Harness) -> None:
    tenant = await harness.tenant(scopes=[Scope.products_write])
    creator = AuthSubject.user(tenant.user_id, [Scope.products_write])
    record, _ = await _create(
        harness, creator, tenant.organization.id, [Scope.products_read, Scope.products_write]
    )
    assert record.scopes == {Scope.products_read, Scope.products_write}


async def test_scopes_beyond_the_creators_are_refused_on_the_scopes_field(harness: Harness) -> None:
    tenant = await harness.tenant()
    creator = AuthSubject.user(tenant.user_id, [Scope.products_read])
    with pytest.raises(ValidationFailed) as info:
        await _create(
            harness, creator, tenant.organization.id, [Scope.products_read, Scope.orders_write]
        )
    assert [e.loc for e in info.value.errors] == [("body", "scopes")]
    assert "orders:write" in info.value.errors[0].msg
    assert len(_live_tokens_of(harness, tenant)) == 1  # only the tenant's own


async def test_an_organization_token_cannot_widen_its_own_scopes(harness: Harness) -> None:
    tenant = await harness.tenant()
    narrow = AuthSubject.organization(tenant.organization.id, [Scope.orders_read])
    with pytest.raises(ValidationFailed) as info:
        await _create(harness, narrow, None, [Scope.orders_write])
    assert [e.loc for e in info.value.errors] == [("body", "scopes")]


async def test_an_organization_token_issues_tokens_for_itself(harness: Harness) -> None:
    tenant = await harness.tenant()
    implicit, _ = await _create(harness, tenant.itself, None, [Scope.orders_read])
    explicit, _ = await _create(harness, tenant.itself, tenant.organization.id, [Scope.orders_read])
    assert implicit.organization_id == explicit.organization_id == tenant.organization.id


async def test_a_user_must_name_the_organization(harness: Harness) -> None:
    tenant = await harness.tenant()
    with pytest.raises(ValidationFailed) as info:
        await _create(harness, tenant.owner, None, [Scope.orders_read])
    assert [e.loc for e in info.value.errors] == [("body", "organization_id")]


async def test_a_user_cannot_issue_tokens_for_a_foreign_organization(harness: Harness) -> None:
    acme = await harness.tenant("acme")
    globex = await harness.tenant("globex")
    with pytest.raises(ResourceNotFound):
        await _create(harness, globex.owner, acme.organization.id, [Scope.orders_read])
    with pytest.raises(ResourceNotFound):
        await _create(harness, globex.owner, uuid.uuid4(), [Scope.orders_read])
    assert len(_live_tokens_of(harness, acme)) == 1


async def test_an_organization_token_cannot_name_another_organization(harness: Harness) -> None:
    acme = await harness.tenant("acme")
    globex = await harness.tenant("globex")
    with pytest.raises(ResourceNotFound):
        await _create(harness, globex.itself, acme.organization.id, [Scope.orders_read])
    assert len(_live_tokens_of(harness, acme)) == 1
    assert len(_live_tokens_of(harness, globex)) == 1


@pytest.mark.parametrize("role", [MemberRole.member, MemberRole.finance])
async def test_members_without_management_rights_cannot_issue_tokens(
    harness: Harness, role: MemberRole
) -> None:
    tenant = await harness.tenant()
    member = (await harness.member(tenant, role)).subject
    with pytest.raises(NotPermitted):
        await _create(harness, member, tenant.organization.id, [Scope.orders_read])
    assert len(_live_tokens_of(harness, tenant)) == 1


async def test_an_admin_may_issue_tokens(harness: Harness) -> None:
    tenant = await harness.tenant()
    admin = (await harness.member(tenant, MemberRole.admin)).subject
    await _create(harness, admin, tenant.organization.id, [Scope.orders_read])
    assert len(_live_tokens_of(harness, tenant)) == 2


# --- list ---------------------------------------------------------------------------------------


async def test_listing_shows_only_the_subjects_tokens(harness: Harness) -> None:
    acme = await harness.tenant("acme")
    globex = await harness.tenant("globex")
    await _create(harness, acme.owner, acme.organization.id, [Scope.orders_read])

    for subject, expected in [(acme.owner, 2), (acme.itself, 2), (globex.owner, 1)]:
        async with harness.uows.read() as uow:
            page = await harness.tokens.list_organization_tokens(
                uow,
                subject,
                organization_ids=None,
                pagination=PaginationParams(limit=100),
                sorting=DEFAULT_SORTING,
            )
        assert page.total_count == expected
    async with harness.uows.read() as uow:
        page = await harness.tokens.list_organization_tokens(
            uow,
            globex.owner,
            organization_ids=[acme.organization.id],
            pagination=PaginationParams(limit=100),
            sorting=DEFAULT_SORTING,
        )
    assert page.items == []


# --- update and revoke --------------------------------------------------------------------------


async def test_owner_updates_comment_and_scopes(harness: Harness) -> None:
    tenant = await harness.tenant()
    record, _ = await _create(harness, tenant.owner, tenant.organization.id, [Scope.orders_read])
    async with harness.uows.write() as uow:
        await harness.tokens.update_organization_token(
            uow,
            tenant.owner,
            record.id,
            OrganizationAccessTokenUpdate(comment="renamed", scopes=[Scope.products_write]),
        )
        await uow.commit()
    stored = harness.store.tables["organization_access_tokens"][record.id]
    assert stored.comment == "renamed"
    assert stored.scopes == {Scope.products_write}
    assert stored.modified_at == harness.clock.now()


async def test_updating_scopes_follows_the_delegation_rule(harness: Harness) -> None:
    tenant = await harness.tenant()
    record, _ = await _create(harness, tenant.owner, tenant.organization.id, [Scope.orders_read])
    narrow_owner = AuthSubject.user(tenant.user_id, [Scope.orders_read])
    async with harness.uows.write() as uow:
        with pytest.raises(ValidationFailed) as info:
            await harness.tokens.update_organization_token(
                uow,
                narrow_owner,
                record.id,
                OrganizationAccessTokenUpdate(scopes=[Scope.orders_write]),
            )
    assert [e.loc for e in info.value.errors] == [("body", "scopes")]
    assert harness.store.tables["organization_access_tokens"][record.id].scopes == {
        Scope.orders_read
    }


async def test_another_tenant_cannot_update_or_revoke_a_token(harness: Harness) -> None:
    acme = await harness.tenant("acme")
    globex = await harness.tenant("globex")
    target = acme.organization_token_id
    for intruder in (globex.owner, globex.itself):
        async with harness.uows.write() as uow:
            with pytest.raises(ResourceNotFound):
                await harness.tokens.update_organization_token(
                    uow, intruder, target, OrganizationAccessTokenUpdate(comment="pwned")
                )
            with pytest.raises(ResourceNotFound):
                await harness.tokens.revoke_organization_token(uow, intruder, target)
            await uow.commit()
    stored = harness.store.tables["organization_access_tokens"][target]
    assert stored.comment == "test"
    assert stored.deleted_at is None


async def test_a_plain_member_cannot_revoke_a_token(harness: Harness) -> None:
    tenant = await harness.tenant()
    member = (await harness.member(tenant, MemberRole.member)).subject
    async with harness.uows.write() as uow:
        with pytest.raises(NotPermitted):
            await harness.tokens.revoke_organization_token(
                uow, member, tenant.organization_token_id
            )
    assert len(_live_tokens_of(harness, tenant)) == 1


async def test_revoked_tokens_stop_working_and_cannot_be_revoked_again(harness: Harness) -> None:
    tenant = await harness.tenant()
    record, secret = await _create(
        harness, tenant.owner, tenant.organization.id, [Scope.orders_read]
    )
    async with harness.uows.write() as uow:
        await harness.tokens.revoke_organization_token(uow, tenant.owner, record.id)
        await uow.commit()

    assert (
        harness.store.tables["organization_access_tokens"][record.id].deleted_at
        == harness.clock.now()
    )
    async with harness.uows.write() as uow:
        with pytest.raises(ResourceNotFound):
            await harness.tokens.revoke_organization_token(uow, tenant.owner, record.id)
        assert (
            await uow.organization_access_tokens.get_usable_by_digest(
                harness.hasher.digest(secret), harness.clock.now()
            )
            is None
        )


async def test_personal_tokens_carry_the_given_scopes_and_expiry(harness: Harness) -> None:
    user = await harness.outsider()
    async with harness.uows.write() as uow:
        record, secret = await harness.tokens.create_personal(
            uow,
            user.require_id(),
            comment="cli",
            scopes=[Scope.orders_read],
            expires_in=timedelta(hours=2),
        )
        await uow.commit()
    assert TokenKind.of(secret) is TokenKind.personal
    stored = harness.store.tables["personal_access_tokens"][record.id]
    assert stored.token_digest == harness.hasher.digest(secret)
    assert stored.expires_at == harness.clock.now() + timedelta(hours=2)
    assert stored.scopes == {Scope.orders_read}
