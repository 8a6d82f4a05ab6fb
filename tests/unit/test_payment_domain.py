"""Payment transitions: pending → succeeded | failed, final, idempotent."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from domain.errors import InvariantViolation
from domain.payment import Payment, PaymentStatus

AT = datetime(2026, 1, 1, tzinfo=UTC)


def _payment() -> Payment:
    return Payment.create(
        at=AT, organization_id=uuid.uuid4(), processor_id="pi_1", amount=900, currency="usd"
    )


def test_a_payment_starts_pending() -> None:
    payment = _payment()
    assert payment.status is PaymentStatus.pending
    assert not payment.is_final


def test_succeeding_twice_changes_once() -> None:
    payment = _payment()
    assert payment.succeed(AT) is True
    assert payment.status is PaymentStatus.succeeded
    assert payment.succeed(AT) is False
    assert payment.status is PaymentStatus.succeeded


def test_failing_keeps_the_first_reason() -> None:
    payment = _payment()
    assert payment.fail(AT, "card_declined", "Declined.") is True
    assert payment.fail(AT, "insufficient_funds", "Other.") is False
    assert (payment.status, payment.decline_reason, payment.decline_message) == (
        PaymentStatus.failed,
        "card_declined",
        "Declined.",
    )


def test_a_final_status_never_turns_into_the_other() -> None:
    succeeded = _payment()
    succeeded.succeed(AT)
    with pytest.raises(InvariantViolation):
        succeeded.fail(AT, "card_declined")
    assert succeeded.status is PaymentStatus.succeeded

    failed = _payment()
    failed.fail(AT, "card_declined")
    with pytest.raises(InvariantViolation):
        failed.succeed(AT)
    assert failed.status is PaymentStatus.failed


def test_a_negative_amount_is_refused() -> None:
    with pytest.raises(InvariantViolation):
        Payment.create(
            at=AT, organization_id=uuid.uuid4(), processor_id="pi_2", amount=-1, currency="usd"
        )
