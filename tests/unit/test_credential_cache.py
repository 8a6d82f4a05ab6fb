"""The credential cache: fewer token lookups, never past a token's expiry, evicted on revocation."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from adapters.cache import TtlCredentialCache
from adapters.memory.fakes import FrozenClock
from application.auth import AuthSubject, Scope
from application.kit.errors import Unauthorized
from application.ports import CachedCredential
from tests.unit.conftest import Harness, memory_container


def _credential(organization_id: uuid.UUID | None = None) -> CachedCredential:
    token_id = uuid.uuid4()
    subject = AuthSubject.organization(
        organization_id or uuid.uuid4(), [Scope.products_read], token_id
    )
    return CachedCredential(subject, "polar_oat_", token_id, subject.id, None)


class TestTtlCredentialCache:
    def test_entries_time_out(self) -> None:
        clock = FrozenClock()
        cache = TtlCredentialCache(timedelta(seconds=5))
        credential = _credential()
        cache.put("d", credential, clock.now(), None)
        assert cache.get("d", clock.now() + timedelta(seconds=4)) is credential
        assert cache.get("d", clock.now() + timedelta(seconds=5)) is None

    def test_never_past_the_token_expiry(self) -> None:
        clock = FrozenClock()
        cache = TtlCredentialCache(timedelta(minutes=5))
        cache.put("d", _credential(), clock.now(), clock.now() + timedelta(seconds=2))
        assert cache.get("d", clock.now() + timedelta(seconds=2)) is None

    def test_zero_ttl_disables(self) -> None:
        clock = FrozenClock()
        cache = TtlCredentialCache(timedelta(0))
        cache.put("d", _credential(), clock.now(), None)
        assert cache.get("d", clock.now()) is None

    def test_least_recently_used_goes_first(self) -> None:
        now = FrozenClock().now()
        cache = TtlCredentialCache(timedelta(minutes=1), max_entries=2)
        a, b, c = _credential(), _credential(), _credential()
        cache.put("a", a, now, None)
        cache.put("b", b, now, None)
        assert cache.get("a", now) is a  # a is now the most recent
        cache.put("c", c, now, None)
        assert cache.get("b", now) is None
        assert cache.get("a", now) is a and cache.get("c", now) is c

    def test_forget_by_token_and_by_organization(self) -> None:
        now = FrozenClock().now()
        cache = TtlCredentialCache(timedelta(minutes=1))
        organization_id = uuid.uuid4()
        one, two, other = _credential(organization_id), _credential(organization_id), _credential()
        for digest, credential in (("1", one), ("2", two), ("o", other)):
            cache.put(digest, credential, now, None)
        cache.forget_token(one.token_id)
        assert cache.get("1", now) is None and cache.get("2", now) is two
        cache.forget_organization(organization_id)
        assert cache.get("2", now) is None and cache.get("o", now) is other


@pytest.fixture
def cached() -> Harness:
    """The harness with credentials cached for 5 s, every service sharing the one cache."""
    return Harness(memory_container(auth_cache_ttl=5))


class TestAuthenticationWithCache:
    async def test_cached_subject_skips_the_lookup_until_it_times_out(
        self, cached: Harness
    ) -> None:
        tenant = await cached.tenant()
        async with cached.uows.read() as uow:
            first = await cached.authentication.authenticate(uow, tenant.organization_token)
        # Another process revokes the token behind this one's back (straight in the store).
        for token in cached.store.table("organization_access_tokens").values():
            token.deleted_at = cached.clock.now()
        async with cached.uows.read() as uow:
            assert await cached.authentication.authenticate(uow, tenant.organization_token) == first
            cached.clock.advance(timedelta(seconds=5))
            with pytest.raises(Unauthorized):
                await cached.authentication.authenticate(uow, tenant.organization_token)

    async def test_revocation_here_takes_effect_at_once(self, cached: Harness) -> None:
        tenant = await cached.tenant()
        async with cached.uows.write() as uow:
            await cached.authentication.authenticate(uow, tenant.organization_token)
            await cached.tokens.revoke_organization_token(
                uow, tenant.owner, tenant.organization_token_id
            )
            await uow.commit()
        async with cached.uows.read() as uow:
            with pytest.raises(Unauthorized):
                await cached.authentication.authenticate(uow, tenant.organization_token)

    async def test_deleting_the_organization_takes_effect_at_once(self, cached: Harness) -> None:
        tenant = await cached.tenant()
        async with cached.uows.write() as uow:
            await cached.authentication.authenticate(uow, tenant.organization_token)
            await cached.organizations.delete(uow, tenant.owner, tenant.organization.id)
            await uow.commit()
        async with cached.uows.read() as uow:
            with pytest.raises(Unauthorized):
                await cached.authentication.authenticate(uow, tenant.organization_token)


class TestAuthenticationWithoutUnitOfWork:
    async def test_answers_what_needs_no_lookup_and_defers_the_rest(self, cached: Harness) -> None:
        tenant = await cached.tenant()
        authentication = cached.authentication
        assert authentication.authenticate_cached(None) == AuthSubject.anonymous()
        with pytest.raises(Unauthorized):
            authentication.authenticate_cached("polar_xyz_whatever")
        # Not cached yet: the caller must look it up with a unit of work.
        assert authentication.authenticate_cached(tenant.organization_token) is None
        async with cached.uows.read() as uow:
            subject = await authentication.authenticate(uow, tenant.organization_token)
        assert authentication.authenticate_cached(tenant.organization_token) == subject
        cached.clock.advance(timedelta(seconds=5))
        assert authentication.authenticate_cached(tenant.organization_token) is None

    async def test_a_hit_within_the_usage_resolution_records_nothing(self, cached: Harness) -> None:
        tenant = await cached.tenant()
        async with cached.uows.read() as uow:
            subject = await cached.authentication.authenticate(uow, tenant.personal_token)
        cached.usage.drain()
        cached.clock.advance(timedelta(hours=1))
        # The cache entry timed out with the clock: put it back, then hit it.
        async with cached.uows.read() as uow:
            await cached.authentication.authenticate(uow, tenant.personal_token)
        cached.usage.drain()
        cached.clock.advance(timedelta(seconds=1))
        assert cached.authentication.authenticate_cached(tenant.personal_token) == subject
        assert cached.usage.drain() == {}  # Within the recording resolution: nothing new.


async def test_with_the_cache_off_every_token_needs_a_lookup(harness: Harness) -> None:
    # The unit harness runs with MERIDIAN_AUTH_CACHE_TTL=0.
    tenant = await harness.tenant()
    async with harness.uows.read() as uow:
        await harness.authentication.authenticate(uow, tenant.organization_token)
    assert harness.authentication.authenticate_cached(tenant.organization_token) is None
