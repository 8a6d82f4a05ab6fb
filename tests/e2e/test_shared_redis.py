"""Two real API processes sharing one Redis: one rate-limit counter per token across both, and
Idempotency-Key records (stored in Redis) that either process replays."""

from __future__ import annotations

import json

import httpx
import pytest

from tests import services
from tests.e2e.processes import ApiProcess, bootstrap

pytestmark = pytest.mark.e2e

LIMIT = 6


def test_two_api_processes_share_the_counters_and_the_keys(base_env: dict[str, str]) -> None:
    env = {
        **base_env,  # its queue name, unique to this test, prefixes every Redis key
        "MERIDIAN_REDIS_URL": services.redis_url(),
        "MERIDIAN_IDEMPOTENCY_STORE": "redis",
        "MERIDIAN_RATE_LIMIT_RULES": json.dumps({"default": f"{LIMIT}/minute"}),
    }
    first = ApiProcess(env).start()
    try:
        second = ApiProcess(env).start()
        try:
            tokens = bootstrap(env, "owner@example.com", "Shared")
            headers = {"Authorization": f"Bearer {tokens['organization_access_token']}"}
            body = {"name": "Pro", "prices": [{"amount_type": "fixed", "price_amount": 900}]}
            keyed = {**headers, "Idempotency-Key": "order-1"}
            with (
                httpx.Client(base_url=first.base_url, timeout=30) as a,
                httpx.Client(base_url=second.base_url, timeout=30) as b,
            ):
                responses = [
                    a.post("/v1/products/", json=body, headers=keyed),
                    b.post("/v1/products/", json=body, headers=keyed),
                    b.post("/v1/products/", json={**body, "name": "Other"}, headers=keyed),
                    a.get("/v1/products/", headers=headers),
                    b.get("/v1/products/", headers=headers),
                    a.get("/v1/products/", headers=headers),
                    b.get("/v1/products/", headers=headers),
                ]
        finally:
            second.stop()
    finally:
        first.stop()
    assert [r.status_code for r in responses] == [201, 201, 422, 200, 200, 200, 429]
    created, replayed, mismatched, listed = responses[0], responses[1], responses[2], responses[3]
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.content == created.content
    assert mismatched.json()["error"] == "IdempotencyKeyMismatch"
    assert listed.json()["pagination"]["total_count"] == 1
    # One count for the token, whichever process answered.
    remaining = [int(r.headers["ratelimit-remaining"]) for r in responses]
    assert remaining == [5, 4, 3, 2, 1, 0, 0]
    assert {r.headers["ratelimit-limit"] for r in responses} == {str(LIMIT)}
    refused = responses[-1]
    assert refused.json()["error"] == "TooManyRequests"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
