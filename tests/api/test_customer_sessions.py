"""Customer sessions over HTTP: Polar's wire format, the token authenticating as the customer
(the customer portal's `customers/me`), expiry, scopes, bad input and tenancy (another
organization's or a deleted customer is not found)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from polar.base import deserialize
from polar.v2026_10.outputs import CustomerPortalCustomer as SdkPortalCustomer
from polar.v2026_10.outputs import CustomerSession as SdkCustomerSession
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.tables import customer_sessions
from application.auth import Scope
from entrypoints.container import Container
from tests.harness import Seeder, ShiftableClock, Tenant, error_loc

BASE = "/v1/customer-sessions/"
ME = "/v1/customer-portal/customers/me"


async def _customer(client: httpx.AsyncClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    fields = {"email": f"c-{uuid.uuid4().hex[:8]}@example.com", **body}
    response = await client.post(
        "/v1/customers/", json=fields, headers=tenant.headers("organization")
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def _session(
    client: httpx.AsyncClient, tenant: Tenant, kind: str = "organization", **body: Any
) -> dict[str, Any]:
    response = await client.post(BASE, json=body, headers=tenant.headers(kind))
    assert response.status_code == 201, response.text
    session: dict[str, Any] = response.json()
    deserialize(session, SdkCustomerSession)
    return session


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _sessions_in_db(connection: AsyncConnection) -> int:
    result = await connection.execute(select(func.count()).select_from(customer_sessions))
    return int(result.scalar_one())


async def test_create_by_id_and_external_id(
    client: httpx.AsyncClient,
    seeder: Seeder,
    container: Container,
    connection: AsyncConnection,
    subject_kind: str,
) -> None:
    tenant = await seeder.tenant()
    ada = await _customer(client, tenant, external_id="user_1", name="Ada")
    by_id = await _session(
        client,
        tenant,
        subject_kind,
        customer_id=ada["id"],
        return_url="https://example.com/account",
    )
    assert by_id["token"].startswith("polar_cst_")
    assert by_id["customer_id"] == ada["id"]
    assert by_id["customer"] == ada
    assert by_id["return_url"] == "https://example.com/account"
    created = datetime.fromisoformat(by_id["created_at"])
    assert datetime.fromisoformat(by_id["expires_at"]) - created == timedelta(hours=1)

    url = urlsplit(by_id["customer_portal_url"])
    base = urlsplit(container.settings().api_base_url)
    assert (url.scheme, url.netloc) == (base.scheme, base.netloc)
    assert url.path.endswith(f"/portal/{tenant.organization.slug}")
    assert parse_qs(url.query) == {
        "customer_session_token": [by_id["token"]],
        "email": [ada["email"]],
    }

    by_external = await _session(client, tenant, subject_kind, external_customer_id="user_1")
    assert by_external["customer_id"] == ada["id"] and by_external["return_url"] is None
    assert by_external["token"] != by_id["token"]
    # Only digests are kept.
    result = await connection.execute(
        select(customer_sessions.c.token_digest).where(
            customer_sessions.c.customer_id == uuid.UUID(ada["id"])
        )
    )
    digests = {row[0] for row in result}
    hasher = container.hasher()
    assert digests == {hasher.digest(by_id["token"]), hasher.digest(by_external["token"])}


async def test_the_token_authenticates_as_the_customer(
    client: httpx.AsyncClient, seeder: Seeder
) -> None:
    tenant = await seeder.tenant()
    ada = await _customer(
        client, tenant, name="Ada", billing_address={"country": "GB", "city": "London"}
    )
    session = await _session(client, tenant, customer_id=ada["id"])
    response = await client.get(ME, headers=_bearer(session["token"]))
    assert response.status_code == 200, response.text
    me = response.json()
    deserialize(me, SdkPortalCustomer)
    assert (me["id"], me["email"], me["name"]) == (ada["id"], ada["email"], "Ada")
    assert me["billing_address"]["country"] == "GB"
    assert me["oauth_accounts"] == {} and me["type"] == "individual"

    # A customer is no merchant: merchant routes refuse it (403, the kind is wrong) …
    for path in ("/v1/customers/", f"/v1/customers/{ada['id']}", "/v1/products/"):
        refused = await client.get(path, headers=_bearer(session["token"]))
        assert refused.status_code == 403, (path, refused.text)
    refused = await client.post(
        BASE, json={"customer_id": ada["id"]}, headers=_bearer(session["token"])
    )
    assert refused.status_code == 403
    # … and merchant tokens are refused by the portal.
    for kind in ("user", "organization"):
        assert (await client.get(ME, headers=tenant.headers(kind))).status_code == 403
    assert (await client.get(ME)).status_code == 401


async def test_an_expired_unknown_or_orphaned_token_is_401(
    client: httpx.AsyncClient, seeder: Seeder, clock: ShiftableClock
) -> None:
    tenant = await seeder.tenant()
    ada = await _customer(client, tenant)
    session = await _session(client, tenant, customer_id=ada["id"])
    clock.offset = timedelta(minutes=59)
    assert (await client.get(ME, headers=_bearer(session["token"]))).status_code == 200
    clock.offset = timedelta(hours=1, seconds=1)
    expired = await client.get(ME, headers=_bearer(session["token"]))
    assert expired.status_code == 401, expired.text
    clock.offset = timedelta(0)

    for token in ("polar_cst_unknown", session["token"] + "x", "polar_cst_"):
        assert (await client.get(ME, headers=_bearer(token))).status_code == 401

    bob = await _customer(client, tenant)
    fresh = await _session(client, tenant, customer_id=bob["id"])
    deleted = await client.delete(
        f"/v1/customers/{bob['id']}", headers=tenant.headers("organization")
    )
    assert deleted.status_code == 204
    # The credential cache may hold it a few seconds; past them the session is refused.
    clock.offset = timedelta(seconds=10)
    assert (await client.get(ME, headers=_bearer(fresh["token"]))).status_code == 401


async def test_a_foreign_unknown_or_deleted_customer_is_404(
    client: httpx.AsyncClient, seeder: Seeder, connection: AsyncConnection, subject_kind: str
) -> None:
    mine, theirs = await seeder.tenant(), await seeder.tenant()
    foreign = await _customer(client, theirs, external_id="shared_ext")
    await _customer(client, theirs, external_id="theirs_only")
    gone = await _customer(client, mine, external_id="gone")
    await client.delete(f"/v1/customers/{gone['id']}", headers=mine.headers("organization"))
    before = await _sessions_in_db(connection)
    for body in (
        {"customer_id": foreign["id"]},
        {"external_customer_id": "theirs_only"},
        {"external_customer_id": "shared_ext"},
        {"customer_id": str(uuid.uuid4())},
        {"customer_id": gone["id"]},
        {"external_customer_id": "gone"},
        # Naming their organization changes nothing.
        {"customer_id": foreign["id"], "organization_id": str(theirs.organization.id)},
    ):
        response = await client.post(BASE, json=body, headers=mine.headers(subject_kind))
        assert response.status_code == 404, (body, response.text)
        assert foreign["id"] not in response.text
    assert await _sessions_in_db(connection) == before

    # An external id both tenants use finds each its own customer.
    own = await _customer(client, mine, external_id="shared_ext")
    session = await _session(client, mine, subject_kind, external_customer_id="shared_ext")
    assert session["customer_id"] == own["id"]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({}, ["body"]),
        ({"customer_id": "not-a-uuid"}, ["body", "customer_id"]),
        ({"external_customer_id": ""}, ["body", "external_customer_id"]),
        ({"external_customer_id": "x" * 257}, ["body", "external_customer_id"]),
        ({"external_customer_id": "a\u0000b"}, ["body", "external_customer_id"]),
        ({"external_customer_id": "x", "return_url": "nope"}, ["body", "return_url"]),
        ({"customer_id": str(uuid.uuid4()), "external_customer_id": "x"}, ["body"]),
    ],
)
async def test_bad_input_is_422_and_writes_nothing(
    client: httpx.AsyncClient,
    seeder: Seeder,
    connection: AsyncConnection,
    body: dict[str, Any],
    loc: list[str],
) -> None:
    tenant = await seeder.tenant()
    before = await _sessions_in_db(connection)
    response = await client.post(BASE, json=body, headers=tenant.headers("organization"))
    assert response.status_code == 422, response.text
    assert error_loc(response)[: len(loc)] == loc
    assert await _sessions_in_db(connection) == before


async def test_the_scope_is_required(client: httpx.AsyncClient, seeder: Seeder) -> None:
    tenant = await seeder.tenant(scopes=[Scope.customers_write])
    ada = await _customer(client, tenant)
    for kind in ("user", "organization"):
        response = await client.post(
            BASE, json={"customer_id": ada["id"]}, headers=tenant.headers(kind)
        )
        assert response.status_code == 403, response.text
        assert "customer_sessions:write" in response.text
    assert (await client.post(BASE, json={"customer_id": ada["id"]})).status_code == 401
