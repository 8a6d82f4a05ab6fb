"""The official client, unchanged, reading payments on a running Meridian. Payments are made by
checkouts, never through the API: the test stores one as a checkout would (in the database the
API uses, through the payment repository)."""

from __future__ import annotations

import uuid

import pytest
from polar.v2026_10 import Polar
from polar.v2026_10.errors import ResourceNotFound
from polar.v2026_10.outputs import CardPayment

from adapters.clock import SystemClock
from adapters.memory.fakes import RecordingJobQueue
from adapters.sqlalchemy.engine import EngineConnectionSource, create_engine
from adapters.sqlalchemy.uow import SqlAlchemyUnitOfWorkFactory
from domain.payment import CardMetadata, Payment, PaymentStatus
from entrypoints.container import repositories_for
from entrypoints.modules import MODULES
from tests.e2e.conftest import ORGANIZATION, OWNER
from tests.e2e.processes import ApiProcess, bootstrap

pytestmark = pytest.mark.e2e


async def _store(database_url: str, payments: list[Payment]) -> None:
    engine = create_engine(database_url, pool_size=1)
    try:
        uows = SqlAlchemyUnitOfWorkFactory(
            source=EngineConnectionSource(engine, None),
            clock=SystemClock(),
            queue=RecordingJobQueue(),
            repositories=repositories_for(MODULES, "sqlalchemy"),
        )
        async with uows.write() as uow:
            for payment in payments:
                await uow.payments.create(payment)
            await uow.commit()
    finally:
        await engine.dispose()


async def test_polar_sdk_reads_payments(base_env: dict[str, str]) -> None:
    api = ApiProcess(base_env).start()
    try:
        tokens = bootstrap(base_env, OWNER, ORGANIZATION)
        organization_id = uuid.UUID(tokens["organization_id"])
        checkout_id = uuid.uuid4()
        paid = Payment(
            organization_id=organization_id,
            processor_id=f"pi_sandbox_{uuid.uuid4().hex}",
            status=PaymentStatus.succeeded,
            amount=4900,
            currency="usd",
            method_metadata=CardMetadata(brand="visa", last4="4242"),
            customer_email="buyer@example.com",
            checkout_id=checkout_id,
        )
        declined = Payment(
            organization_id=organization_id,
            processor_id=f"pi_sandbox_{uuid.uuid4().hex}",
            status=PaymentStatus.failed,
            amount=900,
            currency="usd",
            method_metadata=CardMetadata(brand="visa", last4="0002"),
            decline_reason="card_declined",
            decline_message="Your card was declined.",
        )
        await _store(base_env["MERIDIAN_DATABASE_URL"], [paid, declined])

        token = tokens["organization_access_token"]
        with Polar(token, base_url=api.base_url, timeout=30) as polar:
            got = polar.payments.get(str(paid.id))
            assert isinstance(got, CardPayment)
            assert (got.status, got.amount, got.currency, got.processor) == (
                "succeeded",
                4900,
                "usd",
                "stripe",
            )
            assert got.checkout_id == str(checkout_id)
            assert (got.method_metadata.brand, got.method_metadata.last4) == ("visa", "4242")

            listed = polar.payments.list(organization_id=str(organization_id))
            assert {p.id for p in listed.items} == {str(paid.id), str(declined.id)}
            assert listed.pagination.total_count == 2

            failed = polar.payments.list(status="failed", sorting=["-amount"])
            assert [p.id for p in failed.items] == [str(declined.id)]
            assert failed.items[0].decline_reason == "card_declined"
            by_checkout = polar.payments.list(checkout_id=str(checkout_id))
            assert [p.id for p in by_checkout.items] == [str(paid.id)]
            # Newest first by default, a page at a time.
            walked = [p.id for p in polar.payments.iter_list(limit=1)]
            assert walked == [str(declined.id), str(paid.id)]

            with pytest.raises(ResourceNotFound):
                polar.payments.get(str(uuid.uuid4()))
    finally:
        api.stop()
