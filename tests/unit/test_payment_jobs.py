"""The whole payment path on an in-process broker with retries. The sandbox's report rides the
transaction that records the payment, so its job finds the payment the first time; a report
that arrives before the payment is committed (a real processor's webhook can) fails and is
retried until the payment is there."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from dependency_injector import providers

from adapters.payments.sandbox import SandboxPaymentProcessor
from adapters.taskiq.broker import RetryPolicy, build_broker
from adapters.taskiq.queue import TaskiqJobQueue
from application.payments.ports import ChargeRequest
from application.payments.service import PaymentService
from domain.payment import Payment, PaymentStatus
from entrypoints.worker.tasks import register_all
from tests.unit.conftest import Harness, memory_container

FAST = RetryPolicy(max_retries=5, base_delay=0.05, max_delay=0.2, jitter=0.0)


async def _settled(harness: Harness, processor_id: str) -> Payment:
    for _ in range(200):
        async with harness.uows.read() as uow:
            payment = await uow.payments.get_by_processor_id(processor_id)
        if payment is not None and payment.status is not PaymentStatus.pending:
            return payment
        await asyncio.sleep(0.02)
    raise AssertionError("the outcome job never settled the payment")


async def _charged_then_recorded(token: str, *, early: bool) -> tuple[Payment, int]:
    """The settled payment, and how many times its outcome job looked for it. `early` sends the
    report through the queue before the payment is recorded, as a webhook may arrive."""
    container = memory_container()
    bundle = build_broker(None, policy=FAST)
    container.broker_bundle.override(providers.Object(bundle))
    queue = TaskiqJobQueue(bundle.broker)
    container.job_queue.override(providers.Object(queue))
    register_all(bundle.broker, container)
    await bundle.broker.startup()
    try:
        harness = Harness(container)
        tenant = await harness.tenant()
        service: PaymentService = container.payment_service()
        lookups = 0
        find = service._find

        async def counted(uow: Any, processor_id: str) -> Payment:
            nonlocal lookups
            lookups += 1
            return await find(uow, processor_id)

        service._find = counted  # type: ignore[method-assign]
        processor = container.payment_processor()
        assert isinstance(processor, SandboxPaymentProcessor)
        payment_id = uuid.uuid4()
        started = await processor.charge(
            ChargeRequest(
                payment_id=payment_id,
                amount=900,
                currency="usd",
                confirmation_token_id=token,
                customer_email="buyer@example.com",
                idempotency_key=str(payment_id),
            )
        )
        if early:
            for report in started.reports:
                await queue.send(report)
            # The outcome job runs (and fails) before the payment is recorded.
            await asyncio.sleep(0.03)
        async with harness.uows.write() as uow:
            await service.record(
                uow,
                Payment(
                    id=payment_id,
                    organization_id=tenant.organization.id,
                    processor_id=started.processor_id,
                    amount=900,
                    currency="usd",
                    method_metadata=started.method_metadata,
                ),
                () if early else started.reports,
            )
            await uow.commit()
        return await _settled(harness, started.processor_id), lookups
    finally:
        await bundle.broker.shutdown()


async def test_the_sandbox_report_settles_the_payment_on_its_first_run() -> None:
    # Sent from the outbox once the payment is committed: no retry, no 2 s wait for one.
    payment, lookups = await _charged_then_recorded("tok_sandbox_success", early=False)
    assert payment.status is PaymentStatus.succeeded
    assert lookups == 1


async def test_a_success_reported_early_is_retried_until_recorded() -> None:
    payment, lookups = await _charged_then_recorded("tok_sandbox_success", early=True)
    assert payment.status is PaymentStatus.succeeded
    assert lookups >= 2  # Not found at first, then found on a retry.


async def test_a_decline_reported_early_is_retried_until_recorded() -> None:
    payment, lookups = await _charged_then_recorded("tok_sandbox_insufficient_funds", early=True)
    assert lookups >= 2
    assert (payment.status, payment.decline_reason) == (
        PaymentStatus.failed,
        "insufficient_funds",
    )
