"""Payment use cases: reading payments, and applying the outcomes processors report.

Outcomes arrive as jobs (see ports.py), whichever processor sent them: the sandbox sends them
itself; a real processor's webhook route would enqueue the same ones. Their handlers here:

- find the payment by its processor id, locked. Not there yet means the transaction that
  recorded it (the charge's) has not committed: `PaymentNotFoundYet` is raised, and the job
  system retries the job with backoff (a task that raises is retried, see
  adapters/taskiq/broker.py `BackoffRetryMiddleware`), never dropped while retries remain;
- apply the transition. A repeated report (at-least-once delivery) changes nothing and tells
  no one; an outcome contradicting a final one is logged and ignored (a processor does not
  un-succeed a payment: a refund is a separate record);
- tell the listeners, in the same unit of work: `PaymentService.subscribe(listener)` is the
  seam other modules hook (the checkout module succeeds or reopens its checkout there, and
  creates the order). A listener's writes commit with the payment's new status, or neither
  does: a failing listener makes the job retry, and the retry finds the payment pending still.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any, Protocol

from application.auth import AuthSubject
from application.kit.errors import ApplicationError, ResourceNotFound
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.payments.ports import PaymentFilters, PaymentUnitOfWork
from application.payments.sorting import PaymentSortProperty
from application.ports import Clock, Job
from domain.errors import InvariantViolation
from domain.payment import Payment

log = logging.getLogger("meridian.payments")

# The outcome jobs a processor reports through (arguments in ports.py).
PAYMENT_SUCCEEDED = "payment.succeeded"
PAYMENT_FAILED = "payment.failed"
REFUND_SUCCEEDED = "refund.succeeded"

NOT_FOUND = "Payment not found."


class PaymentNotFoundYet(ApplicationError):
    """An outcome for a payment not recorded (committed) yet: the job is to be retried."""

    retry_after = 2

    def __init__(self, processor_id: str) -> None:
        super().__init__(f"No payment {processor_id!r} yet; the job will be retried.")
        self.processor_id = processor_id


class PaymentListener(Protocol):
    """Called once per payment that just succeeded or failed, inside the unit of work that
    records it (the whole unit of work: a listener uses its own module's repositories)."""

    async def __call__(self, uow: Any, payment: Payment) -> None: ...


class RefundListener(Protocol):
    """Called once per refund report (`refund.succeeded`) with the processor's refund id."""

    async def __call__(self, uow: Any, processor_refund_id: str) -> None: ...


class PaymentService:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.listeners: list[PaymentListener] = []
        self.refund_listeners: list[RefundListener] = []

    def subscribe(self, listener: PaymentListener) -> None:
        """Have `listener` told of every payment outcome from now on (once, however many
        times it subscribes)."""
        if listener not in self.listeners:
            self.listeners.append(listener)

    def subscribe_refunds(self, listener: RefundListener) -> None:
        """Have `listener` told of every refund that went through from now on (once)."""
        if listener not in self.refund_listeners:
            self.refund_listeners.append(listener)

    async def list(
        self,
        uow: PaymentUnitOfWork,
        subject: AuthSubject,
        *,
        filters: PaymentFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[PaymentSortProperty]],
    ) -> Page[Payment]:
        return await uow.payments.list_readable(
            subject, filters=filters, pagination=pagination, sorting=sorting
        )

    async def get(self, uow: PaymentUnitOfWork, subject: AuthSubject, id: uuid.UUID) -> Payment:
        payment = await uow.payments.get_readable(subject, id)
        if payment is None:
            raise ResourceNotFound(NOT_FOUND)
        return payment

    async def record(
        self, uow: PaymentUnitOfWork, payment: Payment, reports: Sequence[Job] = ()
    ) -> Payment:
        """Store a payment just started with a processor (pending), with the outcome reports the
        processor delivers through this transaction (`ChargeStarted.reports`): they run once it
        commits."""
        created = await uow.payments.create(payment)
        for job in reports:
            uow.enqueue(job.name, **job.arguments)
        return created

    async def _find(self, uow: PaymentUnitOfWork, processor_id: str) -> Payment:
        payment = await uow.payments.get_by_processor_id(processor_id, lock=True)
        if payment is None:
            raise PaymentNotFoundYet(processor_id)
        return payment

    async def on_succeeded(self, uow: PaymentUnitOfWork, processor_id: str) -> Payment:
        """The processor reports the charge succeeded. Idempotent."""
        payment = await self._find(uow, processor_id)
        try:
            changed = payment.succeed(self.clock.now())
        except InvariantViolation as error:
            log.warning("payment %s: success ignored: %s", processor_id, error.message)
            return payment
        if changed:
            await uow.payments.update(payment)
            await self._tell(uow, payment)
        return payment

    async def on_failed(
        self,
        uow: PaymentUnitOfWork,
        processor_id: str,
        decline_reason: str | None,
        decline_message: str | None,
    ) -> Payment:
        """The processor reports the charge failed. Idempotent."""
        payment = await self._find(uow, processor_id)
        try:
            changed = payment.fail(self.clock.now(), decline_reason, decline_message)
        except InvariantViolation as error:
            log.warning("payment %s: failure ignored: %s", processor_id, error.message)
            return payment
        if changed:
            await uow.payments.update(payment)
            await self._tell(uow, payment)
        return payment

    async def on_refund_succeeded(
        self, uow: PaymentUnitOfWork, processor_id: str, refund_id: str
    ) -> None:
        """A refund of the payment went through: the refund listeners (the refunds module)
        record it. The payment is looked up first, so that an early report waits."""
        await self._find(uow, processor_id)
        for listener in self.refund_listeners:
            await listener(uow, refund_id)

    async def _tell(self, uow: PaymentUnitOfWork, payment: Payment) -> None:
        for listener in self.listeners:
            await listener(uow, payment)
