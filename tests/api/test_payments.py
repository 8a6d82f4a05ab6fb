"""The payments API, as a user and as an organization: the client's `Payment` model, scopes,
tenancy (another organization's payment is not found, and never listed), filters and sorting.
Payments are seeded as checkouts record them (there is no create route)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from polar.base import deserialize
from polar.v2026_10.outputs import CardPayment, ListResourcePayment
from polar.v2026_10.outputs import Payment as SdkPayment

from application.auth import Scope
from application.payments.service import PAYMENT_FAILED, PAYMENT_SUCCEEDED, PaymentNotFoundYet
from application.ports import Job
from domain.payment import PaymentStatus
from entrypoints.container import Container
from tests.harness import Seeder, listed

BASE = "/v1/payments"


class TestAuthentication:
    async def test_anonymous(self, client: httpx.AsyncClient) -> None:
        for path in (f"{BASE}/", f"{BASE}/{uuid.uuid4()}"):
            response = await client.get(path)
            assert response.status_code == 401, path

    async def test_scopes(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        owner = await seeder.tenant()
        payment = await seeder.payment(owner)
        tenant = await seeder.tenant(scopes=[Scope.products_read])
        for path in (f"{BASE}/", f"{BASE}/{payment.id}"):
            response = await client.get(path, headers=tenant.headers(subject_kind))
            assert response.status_code == 403, path
            assert response.json()["error"] == "NotPermitted"
        reader = await seeder.tenant(scopes=[Scope.payments_read])
        response = await client.get(f"{BASE}/", headers=reader.headers(subject_kind))
        assert response.status_code == 200


class TestRead:
    async def test_in_the_clients_model(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        checkout_id = uuid.uuid4()
        payment = await seeder.payment(
            tenant, status=PaymentStatus.failed, amount=1234, checkout_id=checkout_id
        )
        response = await client.get(f"{BASE}/{payment.id}", headers=tenant.headers(subject_kind))
        assert response.status_code == 200, response.text
        body = response.json()
        model = deserialize(body, SdkPayment)
        assert isinstance(model, CardPayment)
        assert (model.status, model.amount, model.currency, model.processor) == (
            "failed",
            1234,
            "usd",
            "stripe",
        )
        assert (model.decline_reason, model.method, model.trigger) == (
            "card_declined",
            "card",
            "purchase",
        )
        assert model.checkout_id == str(checkout_id)
        assert model.order_id is None
        assert model.organization_id == str(tenant.organization.id)
        assert (model.method_metadata.brand, model.method_metadata.last4) == ("visa", "4242")

        items = await listed(client, f"{BASE}/", tenant, ListResourcePayment)
        assert [item["id"] for item in items] == [str(payment.id)]
        assert items[0] == body

    async def test_another_tenants_payment_is_not_found_nor_listed(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        mine, theirs = await seeder.tenant(), await seeder.tenant()
        await seeder.payment(mine)
        other = await seeder.payment(theirs)
        headers = mine.headers(subject_kind)
        response = await client.get(f"{BASE}/{other.id}", headers=headers)
        assert response.status_code == 404
        assert response.json()["error"] == "ResourceNotFound"
        listing = await client.get(f"{BASE}/", headers=headers)
        assert str(other.id) not in {item["id"] for item in listing.json()["items"]}
        assert listing.json()["pagination"]["total_count"] == 1
        named = await client.get(
            f"{BASE}/", params={"organization_id": str(theirs.organization.id)}, headers=headers
        )
        assert named.status_code == 200
        assert named.json()["items"] == []

    async def test_unknown_id(self, client: httpx.AsyncClient, seeder: Seeder) -> None:
        tenant = await seeder.tenant()
        response = await client.get(
            f"{BASE}/{uuid.uuid4()}", headers=tenant.headers("organization")
        )
        assert response.status_code == 404


class TestList:
    async def test_filters(self, client: httpx.AsyncClient, seeder: Seeder) -> None:
        tenant = await seeder.tenant()
        checkout_id = uuid.uuid4()
        paid = await seeder.payment(tenant, status=PaymentStatus.succeeded, checkout_id=checkout_id)
        failed = await seeder.payment(
            tenant, status=PaymentStatus.failed, customer_email="Other@Example.com"
        )
        pending = await seeder.payment(tenant)
        headers = tenant.headers("organization")

        async def ids(**params: object) -> set[str]:
            response = await client.get(f"{BASE}/", params=params, headers=headers)
            assert response.status_code == 200, response.text
            body = response.json()
            assert body["pagination"]["total_count"] == len(body["items"])
            return {item["id"] for item in body["items"]}

        assert await ids(status="succeeded") == {str(paid.id)}
        assert await ids(status=["failed", "pending"]) == {str(failed.id), str(pending.id)}
        assert await ids(checkout_id=str(checkout_id)) == {str(paid.id)}
        assert await ids(customer_email="other@example.com") == {str(failed.id)}
        assert await ids(method="card") == {str(paid.id), str(failed.id), str(pending.id)}
        assert await ids(method="paypal") == set()
        assert await ids(order_id=str(uuid.uuid4())) == set()
        assert await ids(customer_id=str(uuid.uuid4())) == set()
        response = await client.get(f"{BASE}/", params={"status": "lost"}, headers=headers)
        assert response.status_code == 422

    async def test_sorting(self, client: httpx.AsyncClient, seeder: Seeder) -> None:
        tenant = await seeder.tenant()
        amounts = [300, 100, 200]
        for amount in amounts:
            await seeder.payment(tenant, amount=amount)
        headers = tenant.headers("organization")
        for sorting, expected in (("amount", [100, 200, 300]), ("-amount", [300, 200, 100])):
            response = await client.get(f"{BASE}/", params={"sorting": sorting}, headers=headers)
            assert [item["amount"] for item in response.json()["items"]] == expected
        response = await client.get(f"{BASE}/", params={"sorting": "email"}, headers=headers)
        assert response.status_code == 422
        for key in ("created_at", "-status", "method"):
            response = await client.get(f"{BASE}/", params={"sorting": key}, headers=headers)
            assert response.status_code == 200, key


class TestOutcomeJobs:
    """The jobs a processor reports through, run by the suite's inline broker."""

    async def test_the_outcome_jobs_settle_the_payment_once(
        self, client: httpx.AsyncClient, seeder: Seeder, container: Container
    ) -> None:
        tenant = await seeder.tenant()
        paid, declined = await seeder.payment(tenant), await seeder.payment(tenant)
        queue = container.job_queue()
        for _ in range(2):
            await queue.send(Job(PAYMENT_SUCCEEDED, {"processor_id": paid.processor_id}))
            await queue.send(
                Job(
                    PAYMENT_FAILED,
                    {
                        "processor_id": declined.processor_id,
                        "decline_reason": "insufficient_funds",
                        "decline_message": "Your card has insufficient funds.",
                    },
                )
            )
        headers = tenant.headers("organization")
        body = (await client.get(f"{BASE}/{paid.id}", headers=headers)).json()
        assert (body["status"], body["decline_reason"]) == ("succeeded", None)
        first_change = body["modified_at"]
        body = (await client.get(f"{BASE}/{declined.id}", headers=headers)).json()
        assert (body["status"], body["decline_reason"]) == ("failed", "insufficient_funds")
        # A late contradicting report changes nothing.
        await queue.send(
            Job(PAYMENT_FAILED, {"processor_id": paid.processor_id, "decline_reason": "x"})
        )
        body = (await client.get(f"{BASE}/{paid.id}", headers=headers)).json()
        assert (body["status"], body["modified_at"]) == ("succeeded", first_change)

    async def test_an_unknown_payment_fails_the_job_for_a_retry(
        self, container: Container, seeder: Seeder
    ) -> None:
        service = container.payment_service()
        async with container.uow_factory().write() as uow:
            with pytest.raises(PaymentNotFoundYet):
                await service.on_succeeded(uow, "pi_sandbox_not_committed_yet")
