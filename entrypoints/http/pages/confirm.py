"""The page's call to the confirm use case (`CheckoutService.confirm`), in one place."""

from __future__ import annotations

from typing import Any

from application.checkouts.page import CheckoutPageUnitOfWork
from application.checkouts.service import CheckoutService
from application.kit.errors import BadRequest
from domain.checkout import Checkout


class ConfirmUnavailable(BadRequest):
    """The confirm use case is not in this build yet."""

    def __init__(self) -> None:
        super().__init__("Paying is not available yet on this server.")


async def confirm_checkout(
    service: CheckoutService,
    uow: CheckoutPageUnitOfWork,
    checkout: Checkout,
    confirmation_token_id: str | None,
    custom_field_data: dict[str, Any],
) -> Checkout:
    """Confirm `checkout` (read locked, its fields applied) with the card's token and the
    answers to its custom fields. Raises what confirm raises (ValidationFailed, PaymentError…).
    """
    raise ConfirmUnavailable()
