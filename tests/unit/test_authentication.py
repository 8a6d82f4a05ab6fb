"""Bearer tokens to subjects: who is let in, who is not, and how usage is recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest

from application.auth import MERCHANT_SCOPES, AuthSubject, Scope, SubjectKind
from application.kit.errors import Unauthorized
from application.tokens.authentication import flush_token_usage
from domain.access_token import LAST_USED_RESOLUTION_SECONDS, TokenKind
from tests.unit.conftest import Harness

WINDOW = timedelta(seconds=LAST_USED_RESOLUTION_SECONDS)


async def _authenticate(harness: Harness, token: str | None) -> AuthSubject:
    async with harness.uows.read() as uow:
        return await harness.authentication.authenticate(uow, token)


async def _flush(harness: Harness) -> int:
    async with harness.uows.write() as uow:
        count = await flush_token_usage(uow, harness.usage)
        await uow.commit()
    return count


@pytest.mark.parametrize("token", [None, ""])
async def test_no_token_is_anonymous(harness: Harness, token: str | None) -> None:
    subject = await _authenticate(harness, token)
    assert subject.is_anonymous
    assert subject.id is None
    assert subject.scopes == frozenset()
    assert harness.usage.drain() == {}


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "polar_pat_",
        "polar_pat_doesnotexist",
        "polar_oat_doesnotexist",
        "polar_cst_whatever",
        "Bearer polar_pat_x",
    ],
)
async def test_unknown_tokens_are_unauthorized(harness: Harness, token: str) -> None:
    await harness.tenant()
    with pytest.raises(Unauthorized):
        await _authenticate(harness, token)


async def test_a_token_with_the_wrong_kind_prefix_is_unauthorized(harness: Harness) -> None:
    tenant = await harness.tenant()
    swapped = TokenKind.personal.value + tenant.organization_token.removeprefix(
        TokenKind.organization.value
    )
    with pytest.raises(Unauthorized):
        await _authenticate(harness, swapped)


async def test_a_personal_token_is_its_user_with_implied_scopes(harness: Harness) -> None:
    tenant = await harness.tenant(scopes=[Scope.products_write, Scope.customer_sessions_write])
    subject = await _authenticate(harness, tenant.personal_token)

    assert subject.kind is SubjectKind.user
    assert subject.id == tenant.user_id
    assert subject.scopes == {
        Scope.products_write,
        Scope.products_read,
        Scope.customer_sessions_write,
    }
    pat = next(iter(harness.store.tables["personal_access_tokens"].values()))
    assert subject.token_id == pat.id


async def test_an_organization_token_is_its_organization(harness: Harness) -> None:
    acme = await harness.tenant("acme", scopes=[Scope.orders_write])
    await harness.tenant("globex")
    subject = await _authenticate(harness, acme.organization_token)

    assert subject.kind is SubjectKind.organization
    assert subject.id == acme.organization.id
    assert subject.token_id == acme.organization_token_id
    assert subject.scopes == {Scope.orders_write, Scope.orders_read}


async def test_every_merchant_scope_survives_authentication(harness: Harness) -> None:
    tenant = await harness.tenant()
    assert (await _authenticate(harness, tenant.personal_token)).scopes == MERCHANT_SCOPES
    assert (await _authenticate(harness, tenant.organization_token)).scopes == MERCHANT_SCOPES


async def test_expired_tokens_are_unauthorized(harness: Harness) -> None:
    user = await harness.outsider()
    async with harness.uows.write() as uow:
        _, secret = await harness.tokens.create_personal(
            uow,
            user.require_id(),
            comment="short",
            scopes=[Scope.orders_read],
            expires_in=timedelta(hours=1),
        )
        await uow.commit()

    harness.clock.advance(timedelta(minutes=59))
    assert (await _authenticate(harness, secret)).id == user.id
    harness.clock.advance(timedelta(minutes=1))
    with pytest.raises(Unauthorized):
        await _authenticate(harness, secret)


async def test_revoked_organization_tokens_are_unauthorized(harness: Harness) -> None:
    tenant = await harness.tenant()
    async with harness.uows.write() as uow:
        await harness.tokens.revoke_organization_token(
            uow, tenant.owner, tenant.organization_token_id
        )
        await uow.commit()
    with pytest.raises(Unauthorized):
        await _authenticate(harness, tenant.organization_token)
    # The owner's personal token is unaffected.
    assert (await _authenticate(harness, tenant.personal_token)).id == tenant.user_id


async def test_tokens_of_a_deleted_organization_are_unauthorized_before_the_job_runs(
    harness: Harness,
) -> None:
    acme = await harness.tenant("acme")
    globex = await harness.tenant("globex")
    async with harness.uows.write() as uow:
        await harness.organizations.delete(uow, acme.owner, acme.organization.id)
        await uow.commit()

    assert (
        harness.store.tables["organization_access_tokens"][acme.organization_token_id].deleted_at
        is None
    )
    with pytest.raises(Unauthorized):
        await _authenticate(harness, acme.organization_token)
    assert (await _authenticate(harness, globex.organization_token)).id == globex.organization.id


async def test_tokens_of_a_deleted_user_are_unauthorized(harness: Harness) -> None:
    tenant = await harness.tenant()
    harness.store.tables["users"][tenant.user_id].soft_delete(harness.clock.now())
    with pytest.raises(Unauthorized):
        await _authenticate(harness, tenant.personal_token)


# --- usage --------------------------------------------------------------------------------------


async def test_usage_is_recorded_without_writing_on_the_request_path(harness: Harness) -> None:
    tenant = await harness.tenant()
    now = harness.clock.now()
    await _authenticate(harness, tenant.personal_token)
    await _authenticate(harness, tenant.organization_token)

    pat_id = (await _authenticate(harness, tenant.personal_token)).token_id
    pending = harness.usage.drain()
    assert pending == {
        TokenKind.personal.value: {pat_id: now},
        TokenKind.organization.value: {tenant.organization_token_id: now},
    }
    assert harness.store.tables["personal_access_tokens"][pat_id].last_used_at is None


async def test_flushing_persists_last_used_at(harness: Harness) -> None:
    tenant = await harness.tenant()
    subject = await _authenticate(harness, tenant.personal_token)
    await _authenticate(harness, tenant.organization_token)

    assert await _flush(harness) == 2
    assert harness.store.tables["personal_access_tokens"][subject.token_id].last_used_at == (
        harness.clock.now()
    )
    oat = harness.store.tables["organization_access_tokens"][tenant.organization_token_id]
    assert oat.last_used_at == harness.clock.now()
    assert await _flush(harness) == 0  # drained


@pytest.mark.parametrize("kind", ["personal", "organization"])
async def test_usage_is_recorded_at_most_once_per_resolution_window(
    harness: Harness, kind: str
) -> None:
    tenant = await harness.tenant()
    token = tenant.personal_token if kind == "personal" else tenant.organization_token
    token_id = (await _authenticate(harness, token)).token_id
    assert await _flush(harness) == 1
    first_use = harness.clock.now()

    harness.clock.advance(WINDOW - timedelta(seconds=1))
    await _authenticate(harness, token)
    assert harness.usage.drain() == {}

    harness.clock.advance(timedelta(seconds=1))
    await _authenticate(harness, token)
    pending = harness.usage.drain()
    assert pending == {TokenKind.of(token).value: {token_id: first_use + WINDOW}}  # type: ignore[union-attr]


async def test_until_usage_is_persisted_every_use_is_recorded(harness: Harness) -> None:
    tenant = await harness.tenant()
    await _authenticate(harness, tenant.organization_token)
    harness.usage.drain()  # lost, e.g. a crash before the flush
    harness.clock.advance(timedelta(seconds=5))
    await _authenticate(harness, tenant.organization_token)
    assert harness.usage.drain() == {
        TokenKind.organization.value: {tenant.organization_token_id: harness.clock.now()}
    }


async def test_flushing_never_moves_last_used_at_backwards(harness: Harness) -> None:
    tenant = await harness.tenant()
    later = harness.clock.now() + timedelta(hours=1)
    harness.usage.record(TokenKind.organization.value, tenant.organization_token_id, later)
    await _flush(harness)
    harness.usage.record(
        TokenKind.organization.value, tenant.organization_token_id, harness.clock.now()
    )
    await _flush(harness)
    oat = harness.store.tables["organization_access_tokens"][tenant.organization_token_id]
    assert oat.last_used_at == later
