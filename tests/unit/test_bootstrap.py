"""First-run set-up: a user, their organization and two working tokens; safe to run again."""

from __future__ import annotations

import pytest

from application.auth import MERCHANT_SCOPES, AuthSubject
from application.bootstrap import BootstrapResult
from application.kit.errors import ValidationFailed
from domain.membership import MemberRole
from tests.unit.conftest import Harness

EMAIL = "operator@example.com"


async def _bootstrap(
    harness: Harness, email: str = EMAIL, name: str = "Acme Inc"
) -> BootstrapResult:
    async with harness.uows.write() as uow:
        result = await harness.bootstrap.bootstrap(uow, email=email, organization_name=name)
        await uow.commit()
    return result


async def _authenticate(harness: Harness, token: str) -> AuthSubject:
    async with harness.uows.read() as uow:
        return await harness.authentication.authenticate(uow, token)


async def _role(harness: Harness, result: BootstrapResult) -> MemberRole | None:
    async with harness.uows.read() as uow:
        membership = await uow.memberships.get(result.user_id, result.organization_id)
    return None if membership is None else membership.role


async def test_first_run_creates_the_user_the_organization_and_two_working_tokens(
    harness: Harness,
) -> None:
    result = await _bootstrap(harness)

    assert result.organization_slug == "acme-inc"
    async with harness.uows.read() as uow:
        user = await uow.users.get(result.user_id)
        organization = await uow.organizations.get(result.organization_id)
    assert user is not None
    assert user.email == EMAIL
    assert organization is not None
    assert organization.name == "Acme Inc"
    assert await _role(harness, result) is MemberRole.owner

    as_user = await _authenticate(harness, result.personal_access_token)
    as_organization = await _authenticate(harness, result.organization_access_token)
    assert (as_user.kind, as_user.id) == ("user", result.user_id)
    assert (as_organization.kind, as_organization.id) == ("organization", result.organization_id)
    assert as_user.scopes == MERCHANT_SCOPES
    assert as_organization.scopes == MERCHANT_SCOPES


async def test_second_run_reuses_user_and_organization_and_issues_new_tokens(
    harness: Harness,
) -> None:
    first = await _bootstrap(harness)
    second = await _bootstrap(harness, email="  operator@EXAMPLE.com ", name="ACME inc")

    assert (second.user_id, second.organization_id) == (first.user_id, first.organization_id)
    assert second.organization_slug == first.organization_slug
    assert second.personal_access_token != first.personal_access_token
    assert second.organization_access_token != first.organization_access_token
    assert len(harness.store.tables["users"]) == 1
    assert len(harness.store.tables["organizations"]) == 1
    assert len(harness.store.tables["memberships"]) == 1
    # Earlier tokens stay valid.
    for token in (first.personal_access_token, second.personal_access_token):
        assert (await _authenticate(harness, token)).id == first.user_id
    for token in (first.organization_access_token, second.organization_access_token):
        assert (await _authenticate(harness, token)).id == first.organization_id


@pytest.mark.parametrize("role", [MemberRole.member, MemberRole.finance, MemberRole.admin])
async def test_a_member_of_the_matching_organization_becomes_its_owner(
    harness: Harness, role: MemberRole
) -> None:
    tenant = await harness.tenant("acme-inc")
    await harness.member(tenant, role, email=EMAIL)

    result = await _bootstrap(harness)

    assert result.organization_id == tenant.organization.id
    assert await _role(harness, result) is MemberRole.owner
    assert len(harness.store.tables["organizations"]) == 1
    memberships = harness.store.tables["memberships"].values()
    assert sum(m.organization_id == tenant.organization.id for m in memberships) == 2
    assert (
        await _authenticate(harness, result.organization_access_token)
    ).id == tenant.organization.id


async def test_a_stranger_to_the_matching_organization_is_made_an_owner(harness: Harness) -> None:
    tenant = await harness.tenant("acme-inc")
    result = await _bootstrap(harness)
    assert result.organization_id == tenant.organization.id
    assert await _role(harness, result) is MemberRole.owner
    async with harness.uows.read() as uow:
        previous_owner = await uow.memberships.get(tenant.user_id, tenant.organization.id)
    assert previous_owner is not None
    assert previous_owner.role is MemberRole.owner


async def test_a_reserved_or_short_name_still_gets_a_valid_slug(harness: Harness) -> None:
    result = await _bootstrap(harness, name="API")
    assert result.organization_slug == "api-org"


async def test_an_invalid_email_creates_nothing(harness: Harness) -> None:
    with pytest.raises(ValidationFailed):
        await _bootstrap(harness, email="not-an-email")
    assert harness.store.tables.get("users", {}) == {}
    assert harness.store.tables.get("organizations", {}) == {}
