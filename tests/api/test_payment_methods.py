"""Saved payment methods (`GET /v1/customers/{id}/payment-methods` and its external id twin):
a recurring checkout keeps the customer's card for later charges, the trial's card set up at
confirmation or the first payment's card once it succeeded; a one-time purchase keeps nothing.
The lists answer in the client's `ListResourcePaymentMethod` (`CustomerPaymentMethodCard`)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from polar.base import deserialize
from polar.v2026_10.outputs import CustomerPaymentMethodCard, ListResourcePaymentMethod

from adapters.payments.sandbox import DECLINE, EXP_MONTH, EXP_YEAR, SUCCESS
from application.payments.service import PAYMENT_SUCCEEDED
from entrypoints.container import Container
from tests.api.test_checkout_confirm import FIXED, TRIAL, _checkout, _confirm, _product
from tests.harness import Seeder, Tenant

MONTHLY = {
    "name": "Monthly",
    "recurring_interval": "month",
    "prices": [{"amount_type": "fixed", "price_amount": 1200}],
}


async def _methods(
    client: httpx.AsyncClient, tenant: Tenant, customer: dict[str, Any]
) -> list[dict[str, Any]]:
    """The customer's methods, read by id and by external id (both must agree)."""
    by_id = await client.get(
        f"/v1/customers/{customer['id']}/payment-methods", headers=tenant.headers("user")
    )
    assert by_id.status_code == 200, by_id.text
    deserialize(by_id.json(), ListResourcePaymentMethod)
    if customer["external_id"] is not None:
        by_external = await client.get(
            f"/v1/customers/external/{customer['external_id']}/payment-methods",
            headers=tenant.headers("organization"),
        )
        assert by_external.status_code == 200, by_external.text
        assert by_external.json() == by_id.json()
    items: list[dict[str, Any]] = by_id.json()["items"]
    return items


async def _buyer(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, Any]:
    response = await client.get("/v1/customers/", headers=tenant.headers("organization"))
    [customer] = response.json()["items"]
    result: dict[str, Any] = customer
    return result


async def _buy(
    client: httpx.AsyncClient, tenant: Tenant, product: dict[str, Any], token: str = SUCCESS
) -> dict[str, Any]:
    checkout = await _checkout(client, tenant, product, external_customer_id="buyer-1")
    response = await _confirm(
        client, checkout, customer_email="buyer@example.com", confirmation_token_id=token
    )
    assert response.status_code == 200, response.text
    return checkout


class TestSaved:
    async def test_a_trial_s_card_becomes_the_default_method(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        await _buy(client, tenant, await _product(client, tenant, TRIAL))
        customer = await _buyer(client, tenant)
        [method] = await _methods(client, tenant, customer)
        card = deserialize(method, CustomerPaymentMethodCard)
        assert (card.type, card.processor, card.is_default) == ("card", "stripe", True)
        assert card.customer_id == customer["id"]
        metadata = card.method_metadata
        assert (metadata.brand, metadata.last4) == ("visa", "4242")
        assert (metadata.exp_month, metadata.exp_year) == (EXP_MONTH, EXP_YEAR)

    async def test_a_recurring_purchase_saves_its_card_once_paid(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        product = await _product(client, tenant, MONTHLY)
        # A declined card keeps nothing (the checkout reopens).
        checkout = await _checkout(client, tenant, product, external_customer_id="buyer-1")
        declined = await _confirm(
            client, checkout, customer_email="buyer@example.com", confirmation_token_id=DECLINE
        )
        assert declined.status_code == 200, declined.text
        customer = await _buyer(client, tenant)
        assert await _methods(client, tenant, customer) == []

        paid = await _confirm(client, checkout, confirmation_token_id=SUCCESS)
        assert paid.status_code == 200, paid.text
        [method] = await _methods(client, tenant, customer)
        assert method["is_default"] is True
        assert method["method_metadata"]["last4"] == "4242"

        # A second recurring purchase adds its card after the first, not as the default.
        await _buy(client, tenant, await _product(client, tenant, MONTHLY))
        methods = await _methods(client, tenant, customer)
        assert [m["is_default"] for m in methods] == [True, False]
        assert methods[0]["id"] == method["id"]
        # Pages: the default first, then the newest.
        second = await client.get(
            f"/v1/customers/{customer['id']}/payment-methods",
            params={"limit": 1, "page": 2},
            headers=tenant.headers("organization"),
        )
        assert second.json()["pagination"] == {"total_count": 2, "max_page": 2}
        assert [m["id"] for m in second.json()["items"]] == [methods[1]["id"]]

    async def test_a_one_time_purchase_saves_nothing(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant = await seeder.tenant()
        checkout = await _buy(client, tenant, await _product(client, tenant, FIXED))
        status = await client.get(f"/v1/checkouts/client/{checkout['client_secret']}")
        assert status.json()["status"] == "succeeded"
        assert await _methods(client, tenant, await _buyer(client, tenant)) == []

    async def test_a_redelivered_payment_report_saves_one_method(
        self, client: httpx.AsyncClient, seeder: Seeder, container: Container
    ) -> None:
        tenant = await seeder.tenant()
        checkout = await _buy(client, tenant, await _product(client, tenant, MONTHLY))
        async with container.uow_factory().write() as uow:
            payment = await uow.payments.latest_for_checkout(uuid.UUID(checkout["id"]))
            assert payment is not None and payment.processor_method_id is not None
            # The job again, as a worker that died before acknowledging it would leave it.
            uow.enqueue(PAYMENT_SUCCEEDED, processor_id=payment.processor_id)
            await uow.commit()
        # And the saving itself again, as a listener told twice would do it.
        async with container.uow_factory().write() as uow:
            assert payment.customer_id is not None
            again = await container.payment_method_service().save(
                uow,
                organization_id=payment.organization_id,
                customer_id=payment.customer_id,
                processor_id=payment.processor_method_id,
                method_metadata=payment.method_metadata,
            )
            await uow.commit()
        [method] = await _methods(client, tenant, await _buyer(client, tenant))
        assert method["is_default"] is True and method["id"] == str(again.id)


async def test_another_organization_s_customer_is_404(
    client: httpx.AsyncClient, seeder: Seeder
) -> None:
    tenant, other = await seeder.tenant(), await seeder.tenant()
    await _buy(client, tenant, await _product(client, tenant, TRIAL))
    customer = await _buyer(client, tenant)
    for kind in ("user", "organization"):
        by_id = await client.get(
            f"/v1/customers/{customer['id']}/payment-methods", headers=other.headers(kind)
        )
        by_external = await client.get(
            "/v1/customers/external/buyer-1/payment-methods", headers=other.headers(kind)
        )
        assert (by_id.status_code, by_external.status_code) == (404, 404)
