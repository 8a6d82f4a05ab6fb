"""The payments port (`PaymentProcessor`) and the payment records' repository.

A processor is asked to charge or refund and answers at once that it started; it never says
inline how it ended. The outcome comes later as a job, exactly the path a processor's webhook
handler takes (a Stripe `payment_intent.succeeded` becomes the job `payment.succeeded`):

- `payment.succeeded` (processor_id)
- `payment.failed` (processor_id, decline_reason, decline_message)
- `refund.succeeded` (processor_id, refund_id)

A webhook may arrive before the transaction that recorded the payment has committed: its job's
handler then raises `PaymentNotFoundYet` and the job system retries it (see service.py). An
emulated processor (the sandbox) hands its reports to the caller instead (`ChargeStarted.reports`),
to be enqueued in the transaction that records the payment: they run as soon as it commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from application.auth import AuthSubject
from application.kit.errors import BadRequest
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.organizations.ports import TenancyUnitOfWork
from application.payments.sorting import PaymentSortProperty
from application.ports import Job
from domain.payment import CardMetadata, Payment, PaymentStatus


@dataclass(frozen=True)
class ChargeRequest:
    """Charge `amount` (minor units of `currency`) to what `confirmation_token_id` stands for
    (a card the customer entered, tokenized by the processor's client side).

    `idempotency_key` makes a repeated request one charge (Stripe's Idempotency-Key): use one
    per payment attempt (the payment id's string is a fine one)."""

    payment_id: uuid.UUID
    amount: int
    currency: str
    confirmation_token_id: str
    customer_email: str | None
    idempotency_key: str


@dataclass(frozen=True)
class ChargeStarted:
    """The processor took the charge: its id for it, and the card it is charged to.

    `payment_method_id` is the processor's id for that card (Stripe's `pm_…`) when it can be
    kept for later charges; a recurring purchase saves it once the payment succeeds. The
    sandbox names one for a card that will succeed and None for a declined one.

    `reports` are outcome jobs the processor delivers through the caller's transaction: the
    caller enqueues them where it records the payment (`PaymentService.record`), so they run
    once it commits and survive a crash (the outbox). An emulated processor (the sandbox)
    reports this way; a real one leaves it empty and reports through its webhook route."""

    processor_id: str
    method_metadata: CardMetadata
    reports: tuple[Job, ...] = ()
    payment_method_id: str | None = None


@dataclass(frozen=True)
class RefundRequest:
    processor_id: str
    amount: int
    currency: str
    idempotency_key: str


@dataclass(frozen=True)
class RefundStarted:
    """The processor took the refund. `reports`: as for `ChargeStarted`."""

    processor_refund_id: str
    reports: tuple[Job, ...] = ()


@dataclass(frozen=True)
class SetupRequest:
    """Keep the card `confirmation_token_id` stands for, to charge later (Stripe's
    SetupIntent): a trial's card, charged when the trial ends."""

    confirmation_token_id: str
    customer_email: str | None
    idempotency_key: str


@dataclass(frozen=True)
class SetupDone:
    """The card is kept: the processor's id for it (a payment method) and what it shows."""

    processor_id: str
    method_metadata: CardMetadata


class PaymentError(BadRequest):
    """The processor refused the card at once (a setup declined): nothing was kept or
    charged; the customer may try another card. The client's `PaymentError` (400)."""

    def __init__(self, detail: str, decline_reason: str) -> None:
        super().__init__(detail)
        self.decline_reason = decline_reason


class PaymentProcessor(Protocol):
    """Charges and refunds. Outcomes are reported later through the jobs listed above, never
    returned: a caller records the payment as pending with the `ChargeStarted` it got. Setting
    a card up answers at once, as Stripe's SetupIntent does for cards."""

    async def charge(self, request: ChargeRequest) -> ChargeStarted: ...

    async def refund(self, request: RefundRequest) -> RefundStarted: ...

    async def setup(self, request: SetupRequest) -> SetupDone:
        """Raises PaymentError when the card is refused."""
        ...


@dataclass(frozen=True)
class PaymentFilters:
    """List filters; empty means no filter."""

    organization_ids: Sequence[uuid.UUID] = ()
    checkout_ids: Sequence[uuid.UUID] = ()
    order_ids: Sequence[uuid.UUID] = ()
    customer_ids: Sequence[uuid.UUID] = ()
    statuses: Sequence[PaymentStatus] = ()
    methods: Sequence[str] = ()
    # Compared case-insensitively.
    customer_emails: Sequence[str] = ()


class PaymentRepository(Protocol):
    """Payments. A payment is readable by the members of its organization and by the
    organization itself."""

    async def get_readable(self, subject: AuthSubject, id: uuid.UUID) -> Payment | None: ...

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        filters: PaymentFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[PaymentSortProperty]],
    ) -> Page[Payment]: ...

    async def get_by_processor_id(self, processor_id: str, *, lock: bool = False) -> Payment | None:
        """The payment the processor knows as `processor_id`; `lock` holds it (FOR UPDATE)
        until the unit of work ends, so two reports of one outcome apply one after the other."""
        ...

    async def latest_for_checkout(self, checkout_id: uuid.UUID) -> Payment | None:
        """The newest payment attempt of the checkout `checkout_id` (the hosted checkout page
        shows its decline), or None."""
        ...

    async def succeeded_for_order(self, order_id: uuid.UUID) -> Payment | None:
        """The payment that paid the order `order_id` (succeeded), or None."""
        ...

    async def create(self, payment: Payment) -> Payment: ...

    async def update(self, payment: Payment) -> Payment:
        """Persist the whole entity, stamping `modified_at`."""
        ...


class PaymentUnitOfWork(TenancyUnitOfWork, Protocol):
    payments: PaymentRepository
