"""What the hosted checkout page shows beyond the checkout's own view: the questions it asks
(the product's attached custom fields) and why the last payment attempt failed.

The page itself (HTML, forms) is an entrypoint (entrypoints/http/pages/); these reads are the
use case it needs, framework-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from application.checkouts.ports import CheckoutUnitOfWork
from application.checkouts.service import CheckoutService, CheckoutView
from application.payments.ports import PaymentUnitOfWork
from domain.checkout import Checkout, CheckoutStatus
from domain.custom_field import AttachedCustomField
from domain.payment import PaymentStatus


class CheckoutPageUnitOfWork(CheckoutUnitOfWork, PaymentUnitOfWork, Protocol):
    pass


@dataclass(frozen=True)
class CheckoutPage:
    """A checkout as its hosted page shows it."""

    view: CheckoutView
    # The product's custom fields, in their order.
    custom_fields: list[AttachedCustomField]
    # Why the latest payment attempt failed, while the checkout is open again; else None.
    decline_message: str | None

    @property
    def checkout(self) -> Checkout:
        return self.view.checkout

    @property
    def card_required(self) -> bool:
        """The page asks for a card: to pay now, or kept for later (after a trial)."""
        view = self.view
        if self.checkout.is_payment_required:
            return True
        return (
            view.product is not None
            and view.price is not None
            and self.checkout.is_payment_setup_required(view.product, view.price)
        )


DEFAULT_DECLINE = "Your payment was declined. Try another card."


async def checkout_page(
    service: CheckoutService, uow: CheckoutPageUnitOfWork, checkout: Checkout
) -> CheckoutPage:
    """The page of `checkout` (read with `service.get_by_client_secret`)."""
    view = await service.view(uow, checkout, organization=True)
    product = view.product
    fields = (
        []
        if product is None
        else sorted(product.attached_custom_fields, key=lambda attached: attached.order)
    )
    decline: str | None = None
    if checkout.status is CheckoutStatus.open:
        payment = await uow.payments.latest_for_checkout(checkout.id)
        if payment is not None and payment.status is PaymentStatus.failed:
            decline = payment.decline_message or DEFAULT_DECLINE
    return CheckoutPage(view=view, custom_fields=fields, decline_message=decline)
