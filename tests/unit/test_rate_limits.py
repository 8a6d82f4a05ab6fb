"""Rate limits over HTTP, counted in the API process (the memory app): the default group per
token and per client address, the groups later routes declare (on test routes here), the
headers, and turning them off. Counting in Redis across processes: tests/e2e/test_shared_redis.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import pytest
from dependency_injector import providers
from fastapi import APIRouter, Depends, FastAPI
from limits import parse_many

from adapters.ratelimits import RequestCounters
from application.auth import AuthSubject, SubjectKind
from entrypoints.http.app import create_app
from entrypoints.http.dependencies import Authenticator
from entrypoints.http.rate_limits import (
    CHECKOUT_CONFIRM,
    DEFAULT,
    LICENSE_KEYS,
    RateLimits,
)
from tests.unit.conftest import Harness, memory_container

_ANYONE = {SubjectKind.anonymous, SubjectKind.user, SubjectKind.organization}

# Routes as the license-key and checkout modules will declare them.
declared = APIRouter(prefix="/test")


@declared.post("/license-keys/validate")
async def validate(
    subject: Annotated[
        AuthSubject, Depends(Authenticator((), _ANYONE, rate_limits=(LICENSE_KEYS,)))
    ],
) -> dict[str, str]:
    return {"kind": subject.kind.value}


@declared.post("/checkouts/confirm")
async def confirm(
    subject: Annotated[
        AuthSubject, Depends(Authenticator((), _ANYONE, rate_limits=(CHECKOUT_CONFIRM,)))
    ],
) -> dict[str, str]:
    return {"kind": subject.kind.value}


def _app(**settings: Any) -> tuple[Harness, FastAPI]:
    container = memory_container(**settings)
    app = create_app(container, manage_runtime=False)
    app.include_router(declared)
    return Harness(container), app


def _client(app: FastAPI, address: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False, client=(address, 5000))
    return httpx.AsyncClient(transport=transport, base_url="http://meridian.test")


@pytest.fixture
async def limited() -> AsyncIterator[tuple[Harness, FastAPI, httpx.AsyncClient]]:
    harness, app = _app(
        rate_limit_rules={
            "default": "3/minute",
            "license_keys": "2/minute",
            "checkout_confirm": "5/minute;3/hour",
        }
    )
    async with _client(app) as client:
        yield harness, app, client


def _counted(response: httpx.Response) -> tuple[int, int]:
    """RateLimit-Limit and RateLimit-Remaining; RateLimit-Reset is a whole number of seconds
    within the window."""
    assert 1 <= int(response.headers["ratelimit-reset"]) <= 3600
    return int(response.headers["ratelimit-limit"]), int(response.headers["ratelimit-remaining"])


def test_the_groups_default_to_polar_s_production_numbers() -> None:
    limits = RateLimits(RequestCounters(), {})
    assert limits.limits_of(DEFAULT) == tuple(parse_many("500/minute"))
    assert limits.limits_of(LICENSE_KEYS) == tuple(parse_many("3/second"))
    assert LICENSE_KEYS.per_address
    assert limits.limits_of(CHECKOUT_CONFIRM) == tuple(parse_many("6/minute;20/hour"))
    assert memory_container().settings().rate_limits  # on unless turned off


async def test_a_token_is_limited_on_its_own_and_told_where_it_stands(
    limited: tuple[Harness, FastAPI, httpx.AsyncClient],
) -> None:
    harness, _, client = limited
    tenant, other = await harness.tenant(), await harness.tenant()
    responses = [
        await client.get("/v1/products/", headers=tenant.headers("organization")) for _ in range(4)
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert [_counted(r) for r in responses] == [(3, 2), (3, 1), (3, 0), (3, 0)]
    refused = responses[-1]
    assert refused.json()["error"] == "TooManyRequests"
    assert "3 requests per minute" in refused.json()["detail"]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    # The same user's personal token, and another organization's, count on their own.
    for headers in (tenant.headers("user"), other.headers("organization")):
        response = await client.get("/v1/products/", headers=headers)
        assert (response.status_code, _counted(response)) == (200, (3, 2))


async def test_anonymous_calls_and_refused_tokens_count_per_client_address(
    limited: tuple[Harness, FastAPI, httpx.AsyncClient],
) -> None:
    _, app, client = limited
    bad = {"Authorization": "Bearer polar_oat_not-a-token"}
    statuses = [
        (await client.get("/v1/products/")).status_code,
        (await client.get("/v1/products/", headers=bad)).status_code,
        (await client.post("/test/license-keys/validate")).status_code,
        (await client.get("/v1/products/", headers=bad)).status_code,
    ]
    assert statuses == [401, 401, 200, 429]
    async with _client(app, "10.0.0.2") as elsewhere:
        response = await elsewhere.get("/v1/products/", headers=bad)
        assert (response.status_code, _counted(response)) == (401, (3, 2))


async def test_license_key_routes_count_every_caller_by_address(
    limited: tuple[Harness, FastAPI, httpx.AsyncClient],
) -> None:
    harness, app, client = limited
    tenant = await harness.tenant()
    path = "/test/license-keys/validate"
    first = await client.post(path)
    second = await client.post(path, headers=tenant.headers("organization"))
    assert (first.status_code, second.status_code) == (200, 200)
    assert _counted(second) == (2, 0)  # the address's count, tighter than the token's
    third = await client.post(path, headers=tenant.headers("organization"))
    assert third.status_code == 429
    async with _client(app, "10.0.0.3") as elsewhere:
        assert (await elsewhere.post(path)).status_code == 200


async def test_checkout_confirm_counts_every_window_and_reports_the_tightest(
    limited: tuple[Harness, FastAPI, httpx.AsyncClient],
) -> None:
    harness, _, client = limited
    tenant = await harness.tenant()
    headers = tenant.headers("organization")
    responses = [await client.post("/test/checkouts/confirm", headers=headers) for _ in range(3)]
    # The default group allows 3 a minute too; the hour's 3 is reported when it is as tight.
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert [_counted(r) for r in responses] == [(3, 2), (3, 1), (3, 0)]
    refused = await client.post("/test/checkouts/confirm", headers=headers)
    assert refused.status_code == 429
    assert "per hour" in refused.json()["detail"] or "per minute" in refused.json()["detail"]


async def test_checkout_confirm_s_hourly_limit_applies_below_the_minute_s() -> None:
    harness, app = _app(rate_limit_rules={"checkout_confirm": "5/minute;2/hour"})
    tenant = await harness.tenant()
    async with _client(app) as client:
        headers = tenant.headers("organization")
        responses = [
            await client.post("/test/checkouts/confirm", headers=headers) for _ in range(3)
        ]
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert [_counted(r) for r in responses] == [(2, 1), (2, 0), (2, 0)]
    assert "2 requests per hour" in responses[-1].json()["detail"]


async def test_a_refused_request_is_not_recorded_under_its_idempotency_key() -> None:
    harness, app = _app(rate_limit_rules={"default": "1/minute"})
    container = harness.container
    tenant = await harness.tenant()
    body = {"name": "Pro", "prices": [{"amount_type": "fixed", "price_amount": 900}]}
    headers = {**tenant.headers("organization"), "Idempotency-Key": "k"}
    async with _client(app) as client:
        assert (await client.get("/v1/products/", headers=headers)).status_code == 200
        refused = await client.post("/v1/products/", json=body, headers=headers)
        assert refused.status_code == 429
        # The limit is raised (a new window): the write runs; the 429 was not recorded.
        container.rate_limits.override(
            providers.Object(RateLimits(RequestCounters(), {"default": "10/minute"}))
        )
        created = await client.post("/v1/products/", json=body, headers=headers)
    assert created.status_code == 201
    assert "idempotent-replayed" not in created.headers


async def test_turned_off_nothing_is_counted() -> None:
    harness, app = _app(rate_limits=False, rate_limit_rules={"default": "1/minute"})
    tenant = await harness.tenant()
    async with _client(app) as client:
        responses = [
            await client.get("/v1/products/", headers=tenant.headers("organization"))
            for _ in range(3)
        ]
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert not any("ratelimit-limit" in r.headers for r in responses)


@pytest.mark.parametrize(
    ("rules", "message"),
    [({"checkouts": "1/minute"}, "unknown groups"), ({"default": "lots"}, "not a rate limit")],
)
def test_bad_rules_stop_the_start(rules: dict[str, str], message: str) -> None:
    container = memory_container(rate_limit_rules=rules)
    with pytest.raises(ValueError, match=message):
        container.rate_limits()


async def test_the_real_public_routes_count_against_their_groups() -> None:
    """The customer's license-key routes (3 a second per address) and checkout confirmation
    (6 a minute) opt in with Polar's numbers."""
    _, app = _app()
    async with _client(app) as client:
        body = {"key": "UNKNOWN", "organization_id": "00000000-0000-4000-8000-000000000000"}
        statuses = [
            (await client.post("/v1/customer-portal/license-keys/validate", json=body)).status_code
            for _ in range(4)
        ]
        assert statuses == [404, 404, 404, 429]
        path = "/v1/checkouts/client/polar_c_unknown/confirm"
        statuses = [(await client.post(path, json={})).status_code for _ in range(7)]
        assert statuses == [404] * 6 + [429]
