"""The sandbox processor and the outcome jobs' handlers, on the memory harness."""

from __future__ import annotations

import uuid

import pytest

from adapters.payments.sandbox import (
    TEST_CARDS,
    SandboxPaymentProcessor,
    token_for_card,
)
from application.kit.errors import ResourceNotFound
from application.kit.pagination import PaginationParams
from application.payments.ports import ChargeRequest, PaymentFilters, RefundRequest
from application.payments.service import (
    PAYMENT_FAILED,
    PAYMENT_SUCCEEDED,
    REFUND_SUCCEEDED,
    PaymentNotFoundYet,
    PaymentService,
)
from application.payments.sorting import DEFAULT_SORTING
from domain.payment import Payment, PaymentStatus
from tests.unit.conftest import Harness

ALL = PaginationParams(page=1, limit=100)


@pytest.fixture
def service(harness: Harness) -> PaymentService:
    service: PaymentService = harness.container.payment_service()
    return service


def _request(token: str, key: str | None = None) -> ChargeRequest:
    return ChargeRequest(
        payment_id=uuid.uuid4(),
        amount=900,
        currency="usd",
        confirmation_token_id=token,
        customer_email="buyer@example.com",
        idempotency_key=key or uuid.uuid4().hex,
    )


@pytest.mark.parametrize(
    ("token", "job", "reason"),
    [
        ("tok_sandbox_success", PAYMENT_SUCCEEDED, None),
        ("tok_sandbox_decline", PAYMENT_FAILED, "card_declined"),
        ("tok_sandbox_insufficient_funds", PAYMENT_FAILED, "insufficient_funds"),
        ("tok_sandbox_requires_action", PAYMENT_FAILED, "authentication_required"),
        ("tok_whatever", PAYMENT_FAILED, "invalid_token"),
    ],
)
async def test_the_sandbox_reports_each_tokens_outcome_as_a_job(
    token: str, job: str, reason: str | None
) -> None:
    processor = SandboxPaymentProcessor()
    started = await processor.charge(_request(token))
    assert started.processor_id.startswith("pi_sandbox_")
    [sent] = started.reports
    assert sent.name == job
    assert sent.arguments["processor_id"] == started.processor_id
    assert sent.arguments.get("decline_reason") == reason


async def test_a_repeated_charge_is_the_same_charge() -> None:
    processor = SandboxPaymentProcessor()
    first = await processor.charge(_request("tok_sandbox_success", "key-1"))
    again = await processor.charge(_request("tok_sandbox_success", "key-1"))
    assert first == again
    other = await processor.charge(_request("tok_sandbox_success", "key-2"))
    assert other.processor_id != first.processor_id


async def test_a_refund_reports_its_success() -> None:
    processor = SandboxPaymentProcessor()
    started = await processor.refund(
        RefundRequest(processor_id="pi_sandbox_1", amount=900, currency="usd", idempotency_key="k")
    )
    assert started.processor_refund_id.startswith("re_sandbox_")
    [sent] = started.reports
    assert (sent.name, sent.arguments["refund_id"]) == (
        REFUND_SUCCEEDED,
        started.processor_refund_id,
    )


def test_test_cards_map_to_tokens() -> None:
    assert token_for_card("4242 4242 4242 4242") == "tok_sandbox_success"
    assert token_for_card("4000000000000002") == "tok_sandbox_decline"
    assert token_for_card("4000000000009995") == "tok_sandbox_insufficient_funds"
    assert token_for_card("4000 0025 0000 3155") == "tok_sandbox_requires_action"
    assert token_for_card("4111111111111111") is None
    assert len(TEST_CARDS) == 4


def test_the_container_provides_the_sandbox(harness: Harness) -> None:
    assert isinstance(harness.container.payment_processor(), SandboxPaymentProcessor)


async def _outcome(
    harness: Harness, service: PaymentService, processor_id: str, succeeded: bool
) -> Payment:
    async with harness.uows.write() as uow:
        if succeeded:
            payment = await service.on_succeeded(uow, processor_id)
        else:
            payment = await service.on_failed(uow, processor_id, "card_declined", "Declined.")
        await uow.commit()
    return payment


async def test_the_same_outcome_twice_changes_once(
    harness: Harness, service: PaymentService
) -> None:
    tenant = await harness.tenant()
    payment = await harness.payment(tenant)
    told: list[PaymentStatus] = []

    async def listener(uow: object, p: Payment) -> None:
        told.append(p.status)

    service.subscribe(listener)
    first = await _outcome(harness, service, payment.processor_id, True)
    second = await _outcome(harness, service, payment.processor_id, True)
    assert first.status is second.status is PaymentStatus.succeeded
    assert told == [PaymentStatus.succeeded]
    # A late contradicting report is ignored: succeeded stays succeeded.
    late = await _outcome(harness, service, payment.processor_id, False)
    assert late.status is PaymentStatus.succeeded
    assert told == [PaymentStatus.succeeded]


async def test_a_failure_records_the_decline(harness: Harness, service: PaymentService) -> None:
    tenant = await harness.tenant()
    payment = await harness.payment(tenant)
    await _outcome(harness, service, payment.processor_id, False)
    await _outcome(harness, service, payment.processor_id, False)
    async with harness.uows.read() as uow:
        stored = await service.get(uow, tenant.owner, payment.id)
    assert (stored.status, stored.decline_reason) == (PaymentStatus.failed, "card_declined")


async def test_an_outcome_before_the_payment_is_committed_is_retried(
    harness: Harness, service: PaymentService
) -> None:
    with pytest.raises(PaymentNotFoundYet):
        await _outcome(harness, service, "pi_sandbox_unknown", True)
    with pytest.raises(PaymentNotFoundYet):
        await _outcome(harness, service, "pi_sandbox_unknown", False)


async def test_the_sandbox_charge_then_its_job_succeeds_the_payment(
    harness: Harness, service: PaymentService
) -> None:
    """The path a checkout will take: charge, record pending with the charge's report, commit;
    the report is sent then (never before), and its job settles the payment."""
    tenant = await harness.tenant()
    processor = harness.container.payment_processor()
    started = await processor.charge(_request("tok_sandbox_success"))
    assert not [j for j in harness.queue.sent if j.name == PAYMENT_SUCCEEDED]
    async with harness.uows.write() as uow:
        await service.record(
            uow,
            Payment(
                organization_id=tenant.organization.id,
                processor_id=started.processor_id,
                amount=900,
                currency="usd",
                method_metadata=started.method_metadata,
            ),
            started.reports,
        )
        assert not [j for j in harness.queue.sent if j.name == PAYMENT_SUCCEEDED]
        await uow.commit()
    [job] = [j for j in harness.queue.sent if j.name == PAYMENT_SUCCEEDED]
    payment = await _outcome(harness, service, str(job.arguments["processor_id"]), True)
    assert payment.status is PaymentStatus.succeeded
    assert payment.method_metadata.last4 == "4242"


async def test_payments_are_read_by_their_tenant_only(
    harness: Harness, service: PaymentService
) -> None:
    a, b = await harness.tenant(), await harness.tenant()
    mine = await harness.payment(a, status=PaymentStatus.succeeded, amount=500)
    await harness.payment(a, status=PaymentStatus.failed, amount=700)
    theirs = await harness.payment(b)
    async with harness.uows.read() as uow:
        page = await service.list(
            uow, a.owner, filters=PaymentFilters(), pagination=ALL, sorting=DEFAULT_SORTING
        )
        assert {p.organization_id for p in page.items} == {a.organization.id}
        assert page.total_count == 2
        succeeded = await service.list(
            uow,
            a.itself,
            filters=PaymentFilters(statuses=[PaymentStatus.succeeded]),
            pagination=ALL,
            sorting=DEFAULT_SORTING,
        )
        assert [p.id for p in succeeded.items] == [mine.id]
        with pytest.raises(ResourceNotFound):
            await service.get(uow, a.owner, theirs.id)
