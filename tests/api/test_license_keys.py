"""License keys: the merchant's routes in the client's `LicenseKeyRead` /
`LicenseKeyWithActivations` / `LicenseKeyActivationRead`, the use of a key (validate, activate,
deactivate) with the organization's token and publicly (the customer portal routes, no
token), usage and activation limits, expired / disabled / revoked keys, and tenancy (404).
Keys are issued by granting the license-keys benefit (tests/api/test_benefit_grants.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from polar.base import deserialize
from polar.v2026_10.outputs import (
    LicenseKeyActivationRead,
    LicenseKeyRead,
    LicenseKeyWithActivations,
    ListResourceLicenseKeyRead,
    ValidatedLicenseKey,
)

from entrypoints.container import Container
from tests.api.test_benefit_grants import customer_and_benefit, grant
from tests.harness import Seeder, ShiftableClock, Tenant

BASE = "/v1/license-keys"
PORTAL = "/v1/customer-portal/license-keys"


def _benefit(**properties: Any) -> dict[str, Any]:
    return {"type": "license_keys", "description": "License", "properties": properties}


async def _key(
    client: httpx.AsyncClient, container: Container, tenant: Tenant, **properties: Any
) -> LicenseKeyRead:
    """A key issued to a new customer of `tenant` by granting a license-keys benefit."""
    customer_id, benefit_id = await customer_and_benefit(client, tenant, _benefit(**properties))
    await grant(container, customer_id, benefit_id)
    response = await client.get(
        BASE + "/", params={"benefit_id": benefit_id}, headers=tenant.headers("organization")
    )
    assert response.status_code == 200, response.text
    [key] = deserialize(response.json(), ListResourceLicenseKeyRead).items
    return key


def _use(key: LicenseKeyRead, **extra: Any) -> dict[str, Any]:
    return {"key": key.key, "organization_id": key.organization_id, **extra}


ACTIVATIONS = {"activations": {"limit": 2, "enable_customer_admin": False}}


async def test_a_key_reads_in_the_clients_models(
    client: httpx.AsyncClient, seeder: Seeder, container: Container
) -> None:
    tenant = await seeder.tenant()
    key = await _key(client, container, tenant, prefix="MERI", **ACTIVATIONS)
    assert key.key.startswith("MERI-") and key.display_key.endswith(key.key[-6:])
    assert (key.status, key.usage, key.validations) == ("granted", 0, 0)
    response = await client.post(f"{PORTAL}/activate", json=_use(key, label="laptop"))
    assert response.status_code == 200, response.text
    activation = deserialize(response.json(), LicenseKeyActivationRead)
    assert (activation.license_key_id, activation.label) == (key.id, "laptop")
    for kind in ("user", "organization"):
        response = await client.get(f"{BASE}/{key.id}", headers=tenant.headers(kind))
        assert response.status_code == 200, response.text
        with_activations = deserialize(response.json(), LicenseKeyWithActivations)
        assert [a.id for a in with_activations.activations] == [activation.id]
        response = await client.get(
            f"{BASE}/{key.id}/activations/{activation.id}", headers=tenant.headers(kind)
        )
        assert response.status_code == 200, response.text
        assert deserialize(response.json(), LicenseKeyActivationRead).id == activation.id
    response = await client.patch(
        f"{BASE}/{key.id}", json={"limit_usage": 5}, headers=tenant.headers("organization")
    )
    assert response.status_code == 200, response.text
    assert deserialize(response.json(), LicenseKeyRead).limit_usage == 5


async def test_validate_counts_usage_up_to_its_limit(
    client: httpx.AsyncClient, seeder: Seeder, container: Container
) -> None:
    tenant = await seeder.tenant()
    key = await _key(client, container, tenant, limit_usage=3)
    headers = tenant.headers("organization")
    response = await client.post(
        f"{BASE}/validate", json=_use(key, increment_usage=2), headers=headers
    )
    assert response.status_code == 200, response.text
    validated = deserialize(response.json(), ValidatedLicenseKey)
    assert (validated.usage, validated.validations, validated.limit_usage) == (2, 1, 3)
    assert validated.last_validated_at is not None
    # Over the limit: refused, and nothing counted.
    response = await client.post(f"{PORTAL}/validate", json=_use(key, increment_usage=2))
    assert response.status_code == 400, response.text
    response = await client.post(f"{PORTAL}/validate", json=_use(key, increment_usage=1))
    assert response.status_code == 200, response.text
    validated = deserialize(response.json(), ValidatedLicenseKey)
    assert (validated.usage, validated.validations) == (3, 2)
    # Without an increment it still validates at the limit.
    response = await client.post(f"{PORTAL}/validate", json=_use(key))
    assert response.status_code == 200
    assert deserialize(response.json(), ValidatedLicenseKey).usage == 3


async def test_disabled_and_expired_keys_do_not_validate(
    client: httpx.AsyncClient, seeder: Seeder, container: Container, clock: ShiftableClock
) -> None:
    tenant = await seeder.tenant()
    headers = tenant.headers("organization")
    disabled = await _key(client, container, tenant, **ACTIVATIONS)
    response = await client.patch(
        f"{BASE}/{disabled.id}", json={"status": "disabled"}, headers=headers
    )
    assert response.status_code == 200, response.text
    assert (await client.post(f"{PORTAL}/validate", json=_use(disabled))).status_code == 404
    response = await client.post(f"{PORTAL}/activate", json=_use(disabled, label="x"))
    assert response.status_code == 403

    expiring = await _key(
        client, container, tenant, expires={"ttl": 1, "timeframe": "day"}, **ACTIVATIONS
    )
    assert expiring.expires_at is not None
    assert (await client.post(f"{PORTAL}/validate", json=_use(expiring))).status_code == 200
    clock.offset = timedelta(days=2)
    assert (await client.post(f"{PORTAL}/validate", json=_use(expiring))).status_code == 404
    response = await client.post(f"{PORTAL}/activate", json=_use(expiring, label="x"))
    assert response.status_code == 403


async def test_activations_stop_at_the_limit_and_deactivation_frees_one(
    client: httpx.AsyncClient, seeder: Seeder, container: Container
) -> None:
    tenant = await seeder.tenant()
    key = await _key(client, container, tenant, **ACTIVATIONS)
    ids = []
    for label in ("one", "two"):
        response = await client.post(f"{PORTAL}/activate", json=_use(key, label=label))
        assert response.status_code == 200, response.text
        ids.append(response.json()["id"])
    response = await client.post(f"{PORTAL}/activate", json=_use(key, label="three"))
    assert response.status_code == 403
    # Validating with an activation names it.
    response = await client.post(f"{PORTAL}/validate", json=_use(key, activation_id=ids[0]))
    assert response.status_code == 200
    validated = deserialize(response.json(), ValidatedLicenseKey)
    assert validated.activation is not None and validated.activation.id == ids[0]
    response = await client.post(f"{PORTAL}/deactivate", json=_use(key, activation_id=ids[0]))
    assert response.status_code == 204
    response = await client.post(f"{PORTAL}/validate", json=_use(key, activation_id=ids[0]))
    assert response.status_code == 404
    response = await client.post(f"{PORTAL}/activate", json=_use(key, label="three"))
    assert response.status_code == 200, response.text


async def test_a_key_without_activations_does_not_activate(
    client: httpx.AsyncClient, seeder: Seeder, container: Container
) -> None:
    key = await _key(client, container, await seeder.tenant())
    response = await client.post(f"{PORTAL}/activate", json=_use(key, label="x"))
    assert response.status_code == 403


async def test_portal_routes_take_no_token_and_answer_unknown_keys_404(
    client: httpx.AsyncClient, seeder: Seeder, container: Container
) -> None:
    tenant = await seeder.tenant()
    key = await _key(client, container, tenant, **ACTIVATIONS)
    assert (await client.post(f"{PORTAL}/validate", json=_use(key))).status_code == 200
    unknown = {**_use(key), "key": "NOT-A-KEY"}
    assert (await client.post(f"{PORTAL}/validate", json=unknown)).status_code == 404
    # The key of one organization under another's id is unknown.
    other = await seeder.tenant()
    elsewhere = {**_use(key), "organization_id": str(other.organization.id)}
    assert (await client.post(f"{PORTAL}/validate", json=elsewhere)).status_code == 404
    # The token routes need one.
    assert (await client.post(f"{BASE}/validate", json=_use(key))).status_code == 401


async def test_another_tenants_keys_are_not_found(
    client: httpx.AsyncClient, seeder: Seeder, container: Container
) -> None:
    mine, theirs = await seeder.tenant(), await seeder.tenant()
    await _key(client, container, mine)
    key = await _key(client, container, theirs, **ACTIVATIONS)
    activation = await client.post(f"{PORTAL}/activate", json=_use(key, label="theirs"))
    assert activation.status_code == 200
    activation_id = activation.json()["id"]
    for kind in ("user", "organization"):
        headers = mine.headers(kind)
        for path in (f"{BASE}/{key.id}", f"{BASE}/{key.id}/activations/{activation_id}"):
            assert (await client.get(path, headers=headers)).status_code == 404
        response = await client.patch(f"{BASE}/{key.id}", json={"usage": 9}, headers=headers)
        assert response.status_code == 404
        assert (await client.post(f"{BASE}/{key.id}/rotate", headers=headers)).status_code == 404
        response = await client.get(BASE + "/", headers=headers)
        assert key.id not in response.text
    # My organization's token using their key (their organization, or mine): unknown.
    headers = mine.headers("organization")
    for body in (_use(key), {**_use(key), "organization_id": str(mine.organization.id)}):
        assert (
            await client.post(f"{BASE}/validate", json=body, headers=headers)
        ).status_code == 404
        response = await client.post(
            f"{BASE}/deactivate", json={**body, "activation_id": activation_id}, headers=headers
        )
        assert response.status_code == 404
    response = await client.get(f"{BASE}/{key.id}", headers=theirs.headers("organization"))
    their_key = deserialize(response.json(), LicenseKeyWithActivations)
    assert (their_key.usage, their_key.validations, len(their_key.activations)) == (0, 0, 1)


async def test_rotate_replaces_the_key(
    client: httpx.AsyncClient, seeder: Seeder, container: Container
) -> None:
    tenant = await seeder.tenant()
    key = await _key(client, container, tenant)
    response = await client.post(f"{BASE}/{key.id}/rotate", headers=tenant.headers("user"))
    assert response.status_code == 200, response.text
    rotated = deserialize(response.json(), LicenseKeyRead)
    assert rotated.id == key.id and rotated.key != key.key
    assert (await client.post(f"{PORTAL}/validate", json=_use(key))).status_code == 404
    assert (await client.post(f"{PORTAL}/validate", json=_use(rotated))).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"key": "k"},
        {"key": "k" * 257, "organization_id": "00000000-0000-4000-8000-000000000000"},
        {"key": "k", "organization_id": "not-an-id"},
    ],
)
async def test_bad_input_is_422(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    assert (await client.post(f"{PORTAL}/validate", json=body)).status_code == 422
