"""Benefit grants, driven as the orders code drives them: `enqueue_grants` / `enqueue_revokes`
in a unit of work, then the `benefit.grant` / `benefit.revoke` jobs (run by the suite's inline
broker). Idempotence, the license key a grant issues and revokes, the grant webhooks in the
client's payload models, and `GET /v1/benefit-grants/` in `ListResourceBenefitGrant`."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from dependency_injector import providers
from polar.base import deserialize
from polar.v2026_10.outputs import ListResourceBenefitGrant, ListResourceLicenseKeyRead
from polar.v2026_10.webhooks import (
    WebhookBenefitGrantCreatedPayload,
    WebhookBenefitGrantRevokedPayload,
    WebhookBenefitGrantUpdatedPayload,
    validate_event,
)

from application.benefit_grants.service import GRANT_JOB, REVOKE_JOB
from application.ports import Job
from application.webhooks.guard import UrlGuard
from entrypoints.container import Container
from tests.harness import Seeder, Tenant
from tests.receiver import Receiver

LICENSE_BENEFIT = {
    "type": "license_keys",
    "description": "License",
    "properties": {"activations": {"limit": 3, "enable_customer_admin": False}},
}


async def _created(
    client: httpx.AsyncClient, tenant: Tenant, path: str, body: dict[str, Any]
) -> str:
    response = await client.post(path, json=body, headers=tenant.headers("organization"))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def customer_and_benefit(
    client: httpx.AsyncClient, tenant: Tenant, benefit: dict[str, Any] = LICENSE_BENEFIT
) -> tuple[str, str]:
    customer = await _created(
        client, tenant, "/v1/customers/", {"email": f"c-{uuid.uuid4().hex[:8]}@example.com"}
    )
    return customer, await _created(client, tenant, "/v1/benefits/", benefit)


async def grant(container: Container, customer_id: str, benefit_id: str) -> None:
    """As the orders code does: enqueued in its unit of work, run once it commits."""
    async with container.uow_factory().write() as uow:
        container.benefit_grant_service().enqueue_grants(
            uow, customer_id=uuid.UUID(customer_id), benefit_ids=[uuid.UUID(benefit_id)]
        )
        await uow.commit()


def _job(name: str, customer_id: str, benefit_id: str, order_id: str | None = None) -> Job:
    arguments = {"customer_id": customer_id, "benefit_id": benefit_id}
    if order_id is not None:
        arguments["order_id"] = order_id
    return Job(name, arguments)


async def _grants(client: httpx.AsyncClient, tenant: Tenant, **params: Any) -> list[Any]:
    response = await client.get(
        "/v1/benefit-grants/", params=params, headers=tenant.headers("organization")
    )
    assert response.status_code == 200, response.text
    page = deserialize(response.json(), ListResourceBenefitGrant)
    return list(page.items)


async def _keys(client: httpx.AsyncClient, tenant: Tenant) -> list[Any]:
    response = await client.get("/v1/license-keys/", headers=tenant.headers("organization"))
    assert response.status_code == 200, response.text
    return list(deserialize(response.json(), ListResourceLicenseKeyRead).items)


async def test_granting_twice_yields_one_grant_and_one_key(
    client: httpx.AsyncClient, seeder: Seeder, container: Container
) -> None:
    tenant = await seeder.tenant()
    customer_id, benefit_id = await customer_and_benefit(client, tenant)
    await grant(container, customer_id, benefit_id)
    await container.job_queue().send(_job(GRANT_JOB, customer_id, benefit_id))
    grants = await _grants(client, tenant)
    assert len(grants) == 1
    assert (grants[0].customer_id, grants[0].benefit_id) == (customer_id, benefit_id)
    assert grants[0].is_granted and not grants[0].is_revoked
    keys = await _keys(client, tenant)
    assert len(keys) == 1
    # The client's `properties` is an untagged union of all-optional models: it loads a license
    # key grant's properties as another type's, so they are read from the JSON.
    response = await client.get("/v1/benefit-grants/", headers=tenant.headers("organization"))
    properties = response.json()["items"][0]["properties"]
    assert properties == {"license_key_id": keys[0].id, "display_key": keys[0].display_key}
    assert keys[0].status == "granted" and keys[0].limit_activations == 3
    # The benefit's own list shows it too.
    response = await client.get(
        f"/v1/benefits/{benefit_id}/grants", headers=tenant.headers("organization")
    )
    assert response.status_code == 200, response.text
    assert [g.id for g in deserialize(response.json(), ListResourceBenefitGrant).items] == [
        grants[0].id
    ]


async def test_revoke_revokes_the_key_and_regrant_grants_the_same_key(
    client: httpx.AsyncClient, seeder: Seeder, container: Container
) -> None:
    tenant = await seeder.tenant()
    customer_id, benefit_id = await customer_and_benefit(client, tenant)
    await grant(container, customer_id, benefit_id)
    [key] = await _keys(client, tenant)
    body = {"key": key.key, "organization_id": str(tenant.organization.id)}
    validate = "/v1/customer-portal/license-keys/validate"
    assert (await client.post(validate, json=body)).status_code == 200

    async with container.uow_factory().write() as uow:
        container.benefit_grant_service().enqueue_revokes(
            uow, customer_id=uuid.UUID(customer_id), benefit_ids=[uuid.UUID(benefit_id)]
        )
        await uow.commit()
    await container.job_queue().send(_job(REVOKE_JOB, customer_id, benefit_id))  # idempotent
    [revoked] = await _grants(client, tenant)
    assert revoked.is_revoked and not revoked.is_granted
    assert [k.status for k in await _keys(client, tenant)] == ["revoked"]
    assert (await client.post(validate, json=body)).status_code == 404
    assert await _grants(client, tenant, is_granted=True) == []

    await grant(container, customer_id, benefit_id)
    [regranted] = await _grants(client, tenant)
    assert regranted.id == revoked.id and regranted.is_granted
    assert [(k.id, k.status) for k in await _keys(client, tenant)] == [(key.id, "granted")]


async def test_a_regranted_key_expires_a_full_term_after_the_regrant(
    client: httpx.AsyncClient, seeder: Seeder, container: Container
) -> None:
    """As Polar: a key granted again (a subscription that came back) counts its expiry from
    then, not from its first grant (which may have passed: the key would not validate)."""
    tenant = await seeder.tenant()
    expiring = {
        **LICENSE_BENEFIT,
        "properties": {**LICENSE_BENEFIT["properties"], "expires": {"ttl": 10, "timeframe": "day"}},
    }
    customer_id, benefit_id = await customer_and_benefit(client, tenant, expiring)
    clock = container.clock()
    await grant(container, customer_id, benefit_id)
    [key] = await _keys(client, tenant)
    first_expiry = datetime.fromisoformat(str(key.expires_at))
    async with container.uow_factory().write() as uow:
        container.benefit_grant_service().enqueue_revokes(
            uow, customer_id=uuid.UUID(customer_id), benefit_ids=[uuid.UUID(benefit_id)]
        )
        await uow.commit()
    clock.offset += timedelta(days=30)  # the first term is over
    try:
        before = clock.now()
        await grant(container, customer_id, benefit_id)
        [regranted] = await _keys(client, tenant)
        assert regranted.id == key.id and regranted.status == "granted"
        expires_at = datetime.fromisoformat(str(regranted.expires_at))
        assert expires_at > first_expiry
        assert before + timedelta(days=10) <= expires_at <= clock.now() + timedelta(days=10)
        body = {"key": key.key, "organization_id": str(tenant.organization.id)}
        validated = await client.post("/v1/customer-portal/license-keys/validate", json=body)
        assert validated.status_code == 200, validated.text
    finally:
        clock.offset -= timedelta(days=30)


async def test_a_revoke_that_runs_before_its_grant_leaves_nothing_granted(
    client: httpx.AsyncClient, seeder: Seeder, container: Container
) -> None:
    """An order refunded (or its customer deleted) before its grant job ran: the revoke leaves a
    tombstone that the grant job, however late and however many times, finds and obeys."""
    tenant = await seeder.tenant()
    customer_id, benefit_id = await customer_and_benefit(client, tenant)
    order_id = str(uuid.uuid4())
    queue = container.job_queue()
    await queue.send(_job(REVOKE_JOB, customer_id, benefit_id, order_id))
    await queue.send(_job(GRANT_JOB, customer_id, benefit_id, order_id))
    await queue.send(_job(GRANT_JOB, customer_id, benefit_id, order_id))  # redelivered
    await queue.send(_job(REVOKE_JOB, customer_id, benefit_id, order_id))  # redelivered
    # Never granted: no grant to show, no license key issued.
    assert await _grants(client, tenant) == []
    assert await _keys(client, tenant) == []


async def test_a_redelivered_grant_does_not_undo_an_orders_revoke(
    client: httpx.AsyncClient, seeder: Seeder, container: Container
) -> None:
    tenant = await seeder.tenant()
    customer_id, benefit_id = await customer_and_benefit(client, tenant)
    order_id = str(uuid.uuid4())
    queue = container.job_queue()
    await queue.send(_job(GRANT_JOB, customer_id, benefit_id, order_id))
    [key] = await _keys(client, tenant)
    body = {"key": key.key, "organization_id": str(tenant.organization.id)}
    validate = "/v1/customer-portal/license-keys/validate"
    assert (await client.post(validate, json=body)).status_code == 200

    await queue.send(_job(REVOKE_JOB, customer_id, benefit_id, order_id))
    await queue.send(_job(GRANT_JOB, customer_id, benefit_id, order_id))  # redelivered
    [revoked] = await _grants(client, tenant)
    assert revoked.order_id == order_id
    assert revoked.is_revoked and not revoked.is_granted
    assert [k.status for k in await _keys(client, tenant)] == ["revoked"]
    assert (await client.post(validate, json=body)).status_code == 404


async def test_an_orders_revoke_before_its_grants_covers_the_benefits_not_granted_yet(
    client: httpx.AsyncClient, seeder: Seeder, container: Container
) -> None:
    """A refund with `revoke_benefits` committed before the order's grant jobs ran: it revokes
    the benefits the order grants, not only those already granted."""
    tenant = await seeder.tenant()
    customer_id, benefit_id = await customer_and_benefit(client, tenant)
    order_id = str(uuid.uuid4())
    service = container.benefit_grant_service()
    async with container.uow_factory().write() as uow:
        revokes = await service.revoke_order(
            uow,
            uuid.UUID(order_id),
            customer_id=uuid.UUID(customer_id),
            benefit_ids=[uuid.UUID(benefit_id)],
        )
        await uow.commit()
    assert revokes == 1
    await container.job_queue().send(_job(GRANT_JOB, customer_id, benefit_id, order_id))
    assert await _grants(client, tenant) == []
    assert await _keys(client, tenant) == []


async def test_a_grant_for_a_deleted_customer_grants_nothing(
    client: httpx.AsyncClient, seeder: Seeder, container: Container
) -> None:
    tenant = await seeder.tenant()
    customer_id, benefit_id = await customer_and_benefit(client, tenant)
    response = await client.delete(
        f"/v1/customers/{customer_id}", headers=tenant.headers("organization")
    )
    assert response.status_code == 204, response.text
    await container.job_queue().send(_job(GRANT_JOB, customer_id, benefit_id, str(uuid.uuid4())))
    assert await _grants(client, tenant) == []
    assert await _keys(client, tenant) == []


async def test_a_grant_job_for_another_organizations_benefit_grants_nothing(
    client: httpx.AsyncClient, seeder: Seeder, container: Container
) -> None:
    mine, theirs = await seeder.tenant(), await seeder.tenant()
    customer_id, _ = await customer_and_benefit(client, mine)
    _, their_benefit = await customer_and_benefit(client, theirs)
    await grant(container, customer_id, their_benefit)
    assert await _grants(client, mine) == [] and await _grants(client, theirs) == []
    assert await _keys(client, theirs) == []


async def test_another_tenants_grants_are_not_listed(
    client: httpx.AsyncClient, seeder: Seeder, container: Container
) -> None:
    mine, theirs = await seeder.tenant(), await seeder.tenant()
    await grant(container, *await customer_and_benefit(client, theirs))
    assert await _grants(client, mine) == []
    assert await _grants(client, mine, organization_id=str(theirs.organization.id)) == []
    _, their_benefit = await customer_and_benefit(client, theirs)
    response = await client.get(
        f"/v1/benefits/{their_benefit}/grants", headers=mine.headers("organization")
    )
    assert response.status_code == 404


@pytest.fixture
def loopback(container: Container) -> Iterator[None]:
    guard = UrlGuard(container.address_resolver(), require_https=False, allow_loopback=True)
    container.url_guard.override(providers.Object(guard))
    container.webhook_service.reset()
    container.webhook_deliverer.reset()
    yield
    container.url_guard.reset_override()
    container.webhook_service.reset()
    container.webhook_deliverer.reset()


@pytest.mark.usefixtures("loopback")
async def test_grant_webhooks_load_in_the_clients_models(
    client: httpx.AsyncClient, seeder: Seeder, container: Container
) -> None:
    tenant = await seeder.tenant()
    events = ["benefit_grant.created", "benefit_grant.updated", "benefit_grant.revoked"]
    with Receiver() as receiver:
        endpoint = await client.post(
            "/v1/webhooks/endpoints",
            json={"url": receiver.url, "format": "raw", "events": events},
            headers=tenant.headers("organization"),
        )
        assert endpoint.status_code == 201, endpoint.text
        secret = endpoint.json()["secret"]
        customer_id, benefit_id = await customer_and_benefit(client, tenant)
        queue = container.job_queue()
        await grant(container, customer_id, benefit_id)
        await queue.send(_job(GRANT_JOB, customer_id, benefit_id))  # granted: tells no one
        await queue.send(_job(REVOKE_JOB, customer_id, benefit_id))
        await queue.send(_job(GRANT_JOB, customer_id, benefit_id))
        payloads = [validate_event(r.body, r.headers, secret) for r in receiver.requests()]
    assert [type(p) for p in payloads] == [
        WebhookBenefitGrantCreatedPayload,
        WebhookBenefitGrantRevokedPayload,
        WebhookBenefitGrantUpdatedPayload,
    ]
    assert len({p.data.id for p in payloads}) == 1
    assert {p.data.customer_id for p in payloads} == {customer_id}
    assert {p.data.benefit.id for p in payloads} == {benefit_id}
    assert payloads[1].data.is_revoked and payloads[2].data.is_granted


@pytest.mark.usefixtures("loopback")
async def test_a_tombstone_tells_no_one_and_an_orders_revoke_is_told_once(
    client: httpx.AsyncClient, seeder: Seeder, container: Container
) -> None:
    """A revoke before any grant records that the scope is revoked, but there was no grant to
    create or revoke: no webhook. An order's grant, revoked, then redelivered: created, revoked,
    nothing more."""
    tenant = await seeder.tenant()
    events = ["benefit_grant.created", "benefit_grant.updated", "benefit_grant.revoked"]
    with Receiver() as receiver:
        endpoint = await client.post(
            "/v1/webhooks/endpoints",
            json={"url": receiver.url, "format": "raw", "events": events},
            headers=tenant.headers("organization"),
        )
        assert endpoint.status_code == 201, endpoint.text
        secret = endpoint.json()["secret"]
        customer_id, benefit_id = await customer_and_benefit(client, tenant)
        queue = container.job_queue()
        early, late = str(uuid.uuid4()), str(uuid.uuid4())
        await queue.send(_job(REVOKE_JOB, customer_id, benefit_id, early))
        await queue.send(_job(GRANT_JOB, customer_id, benefit_id, early))
        await queue.send(_job(GRANT_JOB, customer_id, benefit_id, late))
        await queue.send(_job(REVOKE_JOB, customer_id, benefit_id, late))
        await queue.send(_job(GRANT_JOB, customer_id, benefit_id, late))
        await queue.send(_job(REVOKE_JOB, customer_id, benefit_id, late))
        payloads = [validate_event(r.body, r.headers, secret) for r in receiver.requests()]
    assert [type(p) for p in payloads] == [
        WebhookBenefitGrantCreatedPayload,
        WebhookBenefitGrantRevokedPayload,
    ]
    assert {p.data.order_id for p in payloads} == {late}
