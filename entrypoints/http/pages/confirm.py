"""The page's call to the confirm use case (`CheckoutService.confirm`), in one place.

Written against the confirm use case's interface (`CheckoutConfirm(CheckoutUpdatePublic)` with
`confirmation_token_id` and `custom_field_data`; `CheckoutService.confirm(uow, checkout,
command)` on a checkout read locked), which lands separately: until it is in the build, paying
answers "not available yet" next to the card. Once it is, replace the look-ups below with a
plain import and call.
"""

from __future__ import annotations

import importlib
from typing import Any

from application.checkouts.page import CheckoutPageUnitOfWork
from application.checkouts.service import CheckoutService
from application.kit.errors import BadRequest
from domain.checkout import Checkout


class ConfirmUnavailable(BadRequest):
    """The confirm use case is not in this build yet."""

    def __init__(self) -> None:
        super().__init__("Paying is not available yet on this server.")


def _confirm_command() -> Any:
    commands = importlib.import_module("application.checkouts.commands")
    return getattr(commands, "CheckoutConfirm", None)


def available() -> bool:
    """Whether this build has the confirm use case."""
    return _confirm_command() is not None and hasattr(CheckoutService, "confirm")


async def confirm_checkout(
    service: CheckoutService,
    uow: CheckoutPageUnitOfWork,
    checkout: Checkout,
    confirmation_token_id: str | None,
    custom_field_data: dict[str, Any],
) -> Checkout:
    """Confirm `checkout` (read locked, its fields applied) with the card's token and the
    answers to its custom fields. Raises what confirm raises (ValidationFailed, PaymentError,
    ExpiredCheckoutError, NotOpenCheckout), or ConfirmUnavailable."""
    command_class = _confirm_command()
    confirm = getattr(service, "confirm", None)
    if command_class is None or confirm is None:
        raise ConfirmUnavailable()
    command = command_class(
        confirmation_token_id=confirmation_token_id, custom_field_data=custom_field_data
    )
    confirmed: Checkout = await confirm(uow, checkout, command)
    return confirmed
