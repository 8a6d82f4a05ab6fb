"""The sandbox processor: the embedded default, emulating Stripe's test mode.

Nothing leaves the process and no money moves. The confirmation token decides the outcome:

| token                              | outcome                                  |
|------------------------------------|------------------------------------------|
| `tok_sandbox_success`              | succeeds                                 |
| `tok_sandbox_decline`              | fails: `card_declined`                   |
| `tok_sandbox_insufficient_funds`   | fails: `insufficient_funds`              |
| `tok_sandbox_requires_action`      | fails: `authentication_required` (no 3DS |
|                                    | challenge is emulated yet)               |
| anything else                      | fails: `invalid_token`                   |

An unknown token is a failed payment, not an error: a real processor accepts the request and
declines it the same way, and the caller's path stays the same.

`charge` answers at once with a `pi_sandbox_<hex>` id, the card's `pm_sandbox_<hex>` id when the
charge will succeed (None for a declined card: nothing is kept of it) and, as its report, the outcome job
(`payment.succeeded` / `payment.failed`) that Stripe's webhook would become: never inline. The
caller enqueues the report in the transaction that records the payment (the outbox), so it runs
as soon as that commits, and a crash loses neither. `refund` reports `refund.succeeded` with a
`re_sandbox_<hex>` id the same way.

`setup` keeps a card for later (a trial's): it answers at once, as Stripe's SetupIntent does for
cards, with a `pm_sandbox_<hex>` id, or raises PaymentError with the token's decline. Every test
card reports the expiry 12/2034.

`TEST_CARDS` maps Stripe's test card numbers to the tokens, for the hosted checkout page.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from typing import TypeVar

from application.payments.ports import (
    ChargeRequest,
    ChargeStarted,
    PaymentError,
    RefundRequest,
    RefundStarted,
    SetupDone,
    SetupRequest,
)
from application.payments.service import PAYMENT_FAILED, PAYMENT_SUCCEEDED, REFUND_SUCCEEDED
from application.ports import Job
from domain.payment import CardMetadata

SUCCESS = "tok_sandbox_success"
DECLINE = "tok_sandbox_decline"
INSUFFICIENT_FUNDS = "tok_sandbox_insufficient_funds"
REQUIRES_ACTION = "tok_sandbox_requires_action"

# Token → (decline reason, message); None: the charge succeeds.
OUTCOMES: dict[str, tuple[str, str] | None] = {
    SUCCESS: None,
    DECLINE: ("card_declined", "Your card was declined."),
    INSUFFICIENT_FUNDS: ("insufficient_funds", "Your card has insufficient funds."),
    REQUIRES_ACTION: (
        "authentication_required",
        "Your card requires authentication, which the sandbox does not emulate yet.",
    ),
}
INVALID_TOKEN = ("invalid_token", "The payment details could not be read. Try again.")

# Stripe's test cards → the token the hosted page sends for each.
TEST_CARDS: dict[str, str] = {
    "4242424242424242": SUCCESS,
    "4000000000000002": DECLINE,
    "4000000000009995": INSUFFICIENT_FUNDS,
    "4000002500003155": REQUIRES_ACTION,
}

# The expiry the sandbox reports for every test card (Stripe's test cards take any future
# date; a fixed one keeps saved methods reproducible).
EXP_MONTH, EXP_YEAR = 12, 2034

# The card each token stands for (Stripe test mode shows the test card's brand and last four).
_CARDS: dict[str, CardMetadata] = {
    token: CardMetadata(brand="visa", last4=number[-4:], exp_month=EXP_MONTH, exp_year=EXP_YEAR)
    for number, token in TEST_CARDS.items()
}
_UNKNOWN_CARD = CardMetadata(brand="unknown", last4="0000")


# Idempotency keys remembered (the oldest forgotten first): a bounded memory in a long run.
REMEMBERED_KEYS = 10_000

V = TypeVar("V")


def _remember(seen: OrderedDict[str, V], key: str, value: V) -> None:
    seen[key] = value
    while len(seen) > REMEMBERED_KEYS:
        seen.popitem(last=False)


def token_for_card(number: str) -> str | None:
    """The token a test card number (spaces allowed) stands for; None for any other number."""
    return TEST_CARDS.get("".join(number.split()))


class SandboxPaymentProcessor:
    """The PaymentProcessor port, emulating Stripe's test mode (see the module docstring)."""

    def __init__(self) -> None:
        # Idempotency key → the charge it started: a repeated request is the same charge
        # (among the last REMEMBERED_KEYS of this process; Stripe keeps keys 24 hours).
        self._charges: OrderedDict[str, ChargeStarted] = OrderedDict()
        self._refunds: OrderedDict[str, RefundStarted] = OrderedDict()
        self._setups: OrderedDict[str, SetupDone] = OrderedDict()

    async def charge(self, request: ChargeRequest) -> ChargeStarted:
        started = self._charges.get(request.idempotency_key)
        if started is not None:
            return started
        token = request.confirmation_token_id
        processor_id = f"pi_sandbox_{secrets.token_hex(12)}"
        outcome = OUTCOMES.get(token, INVALID_TOKEN)
        method_id = None
        if outcome is None:
            report = Job(PAYMENT_SUCCEEDED, {"processor_id": processor_id})
            method_id = f"pm_sandbox_{secrets.token_hex(12)}"
        else:
            reason, message = outcome
            report = Job(
                PAYMENT_FAILED,
                {
                    "processor_id": processor_id,
                    "decline_reason": reason,
                    "decline_message": message,
                },
            )
        started = ChargeStarted(
            processor_id=processor_id,
            method_metadata=_CARDS.get(token, _UNKNOWN_CARD),
            reports=(report,),
            payment_method_id=method_id,
        )
        _remember(self._charges, request.idempotency_key, started)
        return started

    async def refund(self, request: RefundRequest) -> RefundStarted:
        started = self._refunds.get(request.idempotency_key)
        if started is not None:
            return started
        refund_id = f"re_sandbox_{secrets.token_hex(12)}"
        report = Job(
            REFUND_SUCCEEDED, {"processor_id": request.processor_id, "refund_id": refund_id}
        )
        started = RefundStarted(processor_refund_id=refund_id, reports=(report,))
        _remember(self._refunds, request.idempotency_key, started)
        return started

    async def setup(self, request: SetupRequest) -> SetupDone:
        done = self._setups.get(request.idempotency_key)
        if done is not None:
            return done
        token = request.confirmation_token_id
        outcome = OUTCOMES.get(token, INVALID_TOKEN)
        if outcome is not None:
            reason, message = outcome
            raise PaymentError(message, reason)
        done = SetupDone(
            processor_id=f"pm_sandbox_{secrets.token_hex(12)}",
            method_metadata=_CARDS.get(token, _UNKNOWN_CARD),
        )
        _remember(self._setups, request.idempotency_key, done)
        return done
