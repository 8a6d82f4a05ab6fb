"""Small adapters with rules of their own: token hashing, retry backoff, usage buffering."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.security import HmacTokenHasher
from adapters.taskiq.broker import RetryPolicy
from adapters.usage import BufferedTokenUsageRecorder
from domain.access_token import TokenKind
from domain.user import User
from tests.unit.conftest import Harness

# --- token hashing ------------------------------------------------------------------------------


def test_generated_tokens_carry_the_prefix_and_differ() -> None:
    hasher = HmacTokenHasher("secret")
    tokens = {hasher.generate(TokenKind.organization.value) for _ in range(50)}
    assert len(tokens) == 50
    for token in tokens:
        assert token.startswith("polar_oat_")
        assert TokenKind.of(token) is TokenKind.organization
        assert len(token) == len("polar_oat_") + 43


def test_digest_is_deterministic_and_not_the_token() -> None:
    hasher = HmacTokenHasher("secret")
    token = hasher.generate("polar_pat_")
    assert hasher.digest(token) == hasher.digest(token)
    assert HmacTokenHasher("secret").digest(token) == hasher.digest(token)
    assert hasher.digest(token) != token
    assert token not in hasher.digest(token)


def test_digest_is_hmac_sha256_so_stored_digests_keep_matching() -> None:
    # RFC 4231, test case 2: tokens stored by any earlier version must still be found.
    digest = HmacTokenHasher("Jefe").digest("what do ya want for nothing?")
    assert digest == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"


def test_digest_is_keyed_by_the_secret() -> None:
    token = "polar_pat_same-token"
    assert HmacTokenHasher("one").digest(token) != HmacTokenHasher("two").digest(token)


def test_different_tokens_have_different_digests() -> None:
    hasher = HmacTokenHasher("secret")
    assert hasher.digest("polar_pat_a") != hasher.digest("polar_pat_b")


# --- retry backoff ------------------------------------------------------------------------------


def test_delay_doubles_each_attempt_without_jitter() -> None:
    policy = RetryPolicy(base_delay=2.0, max_delay=3600.0, jitter=0.0)
    assert [policy.delay(n) for n in range(1, 7)] == [2.0, 4.0, 8.0, 16.0, 32.0, 64.0]
    assert policy.delay(0) == 2.0  # the first attempt never waits less than the base


def test_delay_is_capped_at_max_delay() -> None:
    policy = RetryPolicy(base_delay=2.0, max_delay=100.0, jitter=0.0)
    assert policy.delay(7) == 100.0  # 128 capped
    assert policy.delay(30) == 100.0


def test_delay_stays_capped_for_very_late_attempts() -> None:
    policy = RetryPolicy(base_delay=2.0, max_delay=3600.0, jitter=0.0)
    assert policy.delay(5000) == 3600.0


@given(
    attempt=st.integers(min_value=0, max_value=40),
    seed=st.integers(min_value=0, max_value=2**32),
    jitter=st.floats(min_value=0.0, max_value=1.0),
)
def test_jitter_adds_at_most_the_configured_share(attempt: int, seed: int, jitter: float) -> None:
    policy = RetryPolicy(base_delay=2.0, max_delay=3600.0, jitter=jitter)
    raw = RetryPolicy(base_delay=2.0, max_delay=3600.0, jitter=0.0).delay(attempt)
    delay = policy.delay(attempt, random.Random(seed))
    assert raw <= delay <= raw * (1 + jitter)


def test_jitter_is_reproducible_with_a_seeded_generator_and_actually_spreads() -> None:
    policy = RetryPolicy(jitter=0.25)
    first = [policy.delay(3, random.Random(7)) for _ in range(3)]
    assert len(set(first)) == 1
    spread = {policy.delay(3, random.Random(seed)) for seed in range(20)}
    assert len(spread) > 1
    assert all(8.0 <= d <= 10.0 for d in spread)


# --- usage buffer -------------------------------------------------------------------------------


def test_usage_buffer_keeps_the_latest_use_per_token_and_drains_once() -> None:
    recorder = BufferedTokenUsageRecorder()
    token = uuid.uuid4()
    early = datetime(2026, 1, 1, tzinfo=UTC)
    late = datetime(2026, 1, 2, tzinfo=UTC)
    recorder.record("polar_pat_", token, early)
    recorder.record("polar_pat_", token, late)
    assert recorder.drain() == {"polar_pat_": {token: late}}
    assert recorder.drain() == {}


# --- memory unit of work ------------------------------------------------------------------------


async def test_a_read_unit_of_work_refuses_jobs_and_commits(harness: Harness) -> None:
    async with harness.uows.read() as uow:
        with pytest.raises(RuntimeError):
            uow.enqueue("anything")
        with pytest.raises(RuntimeError):
            await uow.commit()


# --- memory views: what a unit of work changes, it publishes on commit, and only that ----------


async def test_memory_units_of_work_publish_only_the_rows_they_changed(harness: Harness) -> None:
    first, second = User(email="first@example.com"), User(email="second@example.com")
    async with harness.uows.write() as one, harness.uows.write() as two:
        await one.users.create(first)
        await two.users.create(second)
        # Neither sees what the other has not committed.
        assert await two.users.get(first.id) is None
        await two.commit()
        await one.commit()
    assert set(harness.store.tables["users"]) == {first.id, second.id}


async def test_a_memory_read_unit_of_work_never_writes_back(harness: Harness) -> None:
    user = User(email="reader@example.com")
    async with harness.uows.read() as uow:
        await uow.users.create(user)
        assert await uow.users.get(user.id) == user
    assert user.id not in harness.store.table("users")


async def test_memory_rows_change_in_a_copy_until_commit(harness: Harness) -> None:
    user = User(email="before@example.com")
    async with harness.uows.write() as uow:
        await uow.users.create(user)
        await uow.commit()
    async with harness.uows.write() as uow:
        stored = await uow.users.get(user.id)
        await uow.users.update(stored, {"email": "after@example.com"})
        assert harness.store.tables["users"][user.id].email == "before@example.com"
        await uow.commit()
    assert harness.store.tables["users"][user.id].email == "after@example.com"
