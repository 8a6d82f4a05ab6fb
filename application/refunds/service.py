"""Refund use cases: give money back on a paid order (full or partial) through the processor
that took it, and apply the processor's report that it went through.

The order is read locked and its refunded amount counts the refund at once, in the same
transaction that records it: of two refunds racing for an order's last cents one waits for the
other and then finds nothing left (422 at `amount`). Benefits are revoked (`revoke_benefits`)
once the processor reports the refund succeeded.

Jobs (each also a webhook event of the same name, see entrypoints/modules/refunds.py):
`refund.created`, `refund.updated`; the order's `order.updated` and `order.refunded`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any, Protocol

from application.auth import AuthSubject
from application.kit.errors import (
    BadRequest,
    NotPermitted,
    ResourceNotFound,
    ValidationFailed,
)
from application.kit.metadata import check_metadata
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.orders.service import ORDER_REFUNDED, ORDER_UPDATED
from application.payments.ports import PaymentProcessor, RefundRequest
from application.ports import Clock
from application.refunds.commands import RefundCreate
from application.refunds.ports import RefundFilters, RefundUnitOfWork
from application.refunds.sorting import RefundSortProperty
from domain.errors import InvariantViolation
from domain.order import Order
from domain.refund import Refund

log = logging.getLogger("meridian.refunds")

REFUND_CREATED = "refund.created"
REFUND_UPDATED = "refund.updated"

NOT_FOUND = "Refund not found."


class RefundedAlready(NotPermitted):
    """403: the order has nothing left to refund (the client's `RefundedAlready`)."""

    def __init__(self, order: Order) -> None:
        super().__init__(f"Order is already fully refunded: {order.id}")


class RevokeSubscriptionBenefitsProhibited(BadRequest):
    """400, as Polar: a subscription's benefits go with the subscription."""

    def __init__(self) -> None:
        super().__init__("Subscription benefits can only be revoked upon cancellation.")


class RefundedListener(Protocol):
    """Called once per refund that just succeeded with `revoke_benefits`, in the unit of work
    that records it: the benefit grants module revokes the order's grants there."""

    async def __call__(self, uow: Any, refund: Refund, order: Order) -> None: ...


class RefundService:
    def __init__(self, clock: Clock, processor: PaymentProcessor) -> None:
        self.clock = clock
        self.processor = processor
        self.revoke_listeners: list[RefundedListener] = []

    def on_revoke(self, listener: RefundedListener) -> None:
        if listener not in self.revoke_listeners:
            self.revoke_listeners.append(listener)

    async def list(
        self,
        uow: RefundUnitOfWork,
        subject: AuthSubject,
        *,
        filters: RefundFilters,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[RefundSortProperty]],
    ) -> Page[Refund]:
        return await uow.refunds.list_readable(
            subject, filters=filters, pagination=pagination, sorting=sorting
        )

    async def get(self, uow: RefundUnitOfWork, subject: AuthSubject, id: uuid.UUID) -> Refund:
        refund = await uow.refunds.get_readable(subject, id)
        if refund is None:
            raise ResourceNotFound(NOT_FOUND)
        return refund

    async def create(
        self, uow: RefundUnitOfWork, subject: AuthSubject, command: RefundCreate
    ) -> Refund:
        """Refund `command.amount` of one of the subject's orders. Refused before anything is
        written: an unknown or foreign order (422 at `order_id`, as Polar), an order with
        nothing left (403 RefundedAlready), more than what is left (422 at `amount`)."""
        check_metadata(command.metadata)
        order = await uow.orders.get_readable(subject, command.order_id, lock=True)
        if order is None:
            raise ValidationFailed.single(
                ("body", "order_id"), "Order not found.", input=str(command.order_id)
            )
        if order.paid and order.refundable_amount == 0:
            raise RefundedAlready(order)
        if command.revoke_benefits and order.subscription_id is not None:
            raise RevokeSubscriptionBenefitsProhibited()
        now = self.clock.now()
        try:
            order.refund(command.amount, 0, now)
        except InvariantViolation as error:
            raise ValidationFailed.single(
                ("body", "amount" if error.field == "amount" else "order_id"),
                error.message,
                input=command.amount,
            ) from error
        payment = await uow.payments.succeeded_for_order(order.id)
        if payment is None:
            raise ValidationFailed.single(
                ("body", "order_id"),
                "This order was not paid through a processor: there is nothing to refund.",
                input=str(order.id),
            )
        refund_id = uuid.uuid4()
        started = await self.processor.refund(
            RefundRequest(
                processor_id=payment.processor_id,
                amount=command.amount,
                currency=order.currency,
                idempotency_key=str(refund_id),
            )
        )
        refund = Refund.create(
            at=now,
            id=refund_id,
            organization_id=order.organization_id,
            order_id=order.id,
            subscription_id=order.subscription_id,
            customer_id=order.customer_id,
            payment_id=payment.id,
            reason=command.reason,
            amount=command.amount,
            currency=order.currency,
            comment=command.comment,
            revoke_benefits=command.revoke_benefits,
            processor_id=started.processor_refund_id,
            metadata=dict(command.metadata),
        )
        await uow.orders.update(order)
        await uow.refunds.create(refund)
        for job in started.reports:
            uow.enqueue(job.name, **job.arguments)
        self._changed(uow, REFUND_CREATED, refund)
        for event in (ORDER_UPDATED, ORDER_REFUNDED):
            uow.enqueue(event, order_id=str(order.id), organization_id=str(order.organization_id))
        return refund

    async def on_processor_refunded(self, uow: RefundUnitOfWork, processor_refund_id: str) -> None:
        """The processor reports the refund `processor_refund_id` went through (a payment
        listener). Idempotent; an unknown id is logged (a refund made outside Meridian)."""
        refund = await uow.refunds.get_by_processor_id(processor_refund_id)
        if refund is None:
            log.warning("refund %s: not one of ours; ignored", processor_refund_id)
            return
        if not refund.succeed(self.clock.now()):
            return
        await uow.refunds.update(refund)
        self._changed(uow, REFUND_UPDATED, refund)
        if refund.revoke_benefits:
            order = await uow.orders.get_including_deleted(refund.order_id)
            if order is not None:
                for listener in self.revoke_listeners:
                    await listener(uow, refund, order)

    def _changed(self, uow: RefundUnitOfWork, event: str, refund: Refund) -> None:
        uow.enqueue(event, refund_id=str(refund.id), organization_id=str(refund.organization_id))
