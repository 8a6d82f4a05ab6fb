"""Checkouts: a customer's purchase of one product price in progress, and what it costs.

What a checkout charges is a pure function of the chosen price, the seats or units or amount the
customer picked, and the discount: `checkout_amounts`. Tax is 0 until a tax port exists; the
fields are there so that adding it changes one function.

A checkout moves open → confirmed (the customer submitted it; payment is under way) →
succeeded (paid, or free). A failed payment puts it back to open so the customer can try
another card; an open checkout expires (`expire`) once `expires_at` has passed. Succeeded and
expired are final.

A checkout of a recurring product with a trial (the product's, or the checkout's own override,
unless `allow_trial` is off) carries the trial's end (`update_trial`): nothing is charged at
confirm, the card is only set up for when the trial ends, and the subscription starts trialing
(Polar's `is_payment_required` is false while `trial_end` is set).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from domain.address import Address
from domain.base import Entity
from domain.discount import Discount
from domain.errors import InvariantViolation
from domain.price import (
    MAX_AMOUNT,
    MAX_UNITS,
    CustomPrice,
    FixedPrice,
    MeteredPrice,
    Price,
    SeatBasedPrice,
    TierType,
    UnitBasedPrice,
    UnitTier,
    tiered_amount,
)
from domain.product import Interval, Product
from domain.subscription import period_end


class CheckoutStatus(StrEnum):
    open = "open"
    expired = "expired"
    confirmed = "confirmed"
    succeeded = "succeeded"
    failed = "failed"


# Which status each transition leaves from, and where it goes.
TRANSITIONS: dict[str, tuple[frozenset[CheckoutStatus], CheckoutStatus]] = {
    "confirm": (frozenset({CheckoutStatus.open}), CheckoutStatus.confirmed),
    "succeed": (
        frozenset({CheckoutStatus.open, CheckoutStatus.confirmed}),
        CheckoutStatus.succeeded,
    ),
    "reopen": (frozenset({CheckoutStatus.confirmed}), CheckoutStatus.open),
    "expire": (frozenset({CheckoutStatus.open}), CheckoutStatus.expired),
}


def transition(status: CheckoutStatus, action: str) -> CheckoutStatus:
    """The status `action` leads to from `status`; an action that does not apply raises."""
    sources, target = TRANSITIONS[action]
    if status not in sources:
        raise InvariantViolation("status", f"A {status.value} checkout cannot {action}.")
    return target


@dataclass(frozen=True)
class Selection:
    """What the customer chose beyond the price: seats (seat-based prices), units (unit-based
    prices) or an amount (pay what you want). None leaves the price's default."""

    seats: int | None = None
    units: int | None = None
    amount: int | None = None


@dataclass(frozen=True)
class Amounts:
    """A checkout's money, in the price's currency, in minor units.

    `amount` is the subtotal before discount; `net_amount` = amount − discount_amount;
    `total_amount` = net_amount + tax_amount."""

    currency: str
    amount: int
    discount_amount: int
    net_amount: int
    tax_amount: int
    total_amount: int
    seats: int | None = None
    units: int | None = None

    @property
    def is_free(self) -> bool:
        return self.total_amount == 0


def _seat_tiers(price: SeatBasedPrice) -> list[UnitTier]:
    return [UnitTier(bound=t.max_seats, unit_amount=Decimal(t.price_per_seat)) for t in price.tiers]


def _within(name: str, value: int, low: int, high: int | None) -> None:
    if value < low or (high is not None and value > high):
        bound = f"at least {low}" if high is None else f"between {low} and {high}"
        raise InvariantViolation(name, f"Must be {bound}.")


def subtotal(
    price: Price, selection: Selection = Selection()
) -> tuple[int, int | None, int | None]:
    """(amount, seats, units) that `selection` of `price` costs before any discount.

    Raises InvariantViolation naming `amount`, `seats` or `units` when the selection lies
    outside what the price allows."""
    if isinstance(price, FixedPrice):
        return price.amount, None, None
    if isinstance(price, CustomPrice):
        amount = selection.amount
        if amount is None:
            amount = (
                price.preset_amount if price.preset_amount is not None else price.minimum_amount
            )
        upper = price.maximum_amount if price.maximum_amount is not None else MAX_AMOUNT
        _within("amount", amount, price.minimum_amount, upper)
        return amount, None, None
    if isinstance(price, SeatBasedPrice):
        seats = selection.seats if selection.seats is not None else price.minimum_seats
        _within("seats", seats, price.minimum_seats, price.maximum_seats)
        tier_type = price.seat_tier_type or TierType.volume
        return tiered_amount(tier_type, _seat_tiers(price), seats), seats, None
    if isinstance(price, UnitBasedPrice):
        units = selection.units if selection.units is not None else 1
        _within("units", units, 1, price.maximum_units or MAX_UNITS)
        return price.amount_for(units), None, units
    if isinstance(price, MeteredPrice):
        # Usage is billed at the end of each period; nothing is due at checkout.
        return 0, None, None
    raise InvariantViolation("product_price_id", "This price cannot be bought.")


def checkout_amounts(
    price: Price,
    selection: Selection = Selection(),
    discount: Discount | None = None,
) -> Amounts:
    """What a checkout of `price` charges, `discount` (already found applicable) taken off."""
    amount, seats, units = subtotal(price, selection)
    discount_amount = 0 if discount is None else discount.amount_off(amount, price.currency)
    # A discount never takes more than the subtotal.
    discount_amount = min(max(discount_amount, 0), amount)
    net = amount - discount_amount
    tax = 0
    return Amounts(
        currency=price.currency,
        amount=amount,
        discount_amount=discount_amount,
        net_amount=net,
        tax_amount=tax,
        total_amount=net + tax,
        seats=seats,
        units=units,
    )


def discount_refusal(
    discount: Discount, product_id: uuid.UUID, currency: str, at: datetime
) -> str | None:
    """Why `discount` cannot apply to a checkout of `product_id` in `currency` at `at`, or
    None when it can."""
    if not discount.is_redeemable(at):
        return "This discount code is not valid anymore."
    if not discount.applies_to_product(product_id):
        return "This discount does not apply to this product."
    if not discount.applies_to_currency(currency):
        return "This discount does not apply to this currency."
    return None


# How long a checkout stays open (the 24 h; `expire` closes it after).
CHECKOUT_TTL = timedelta(hours=24)
CLIENT_SECRET_PREFIX = "polar_c_"  # noqa: S105 - a prefix, not a secret
CHECKOUT_ID_PLACEHOLDER = "{CHECKOUT_ID}"
EMAIL_MAX_LENGTH = 320
NAME_MAX_LENGTH = 256
URL_MAX_LENGTH = 2048


def new_client_secret() -> str:
    """A checkout's client secret: whoever holds it may read and update the checkout (a
    capability, stored as given, as in Polar)."""
    return CLIENT_SECRET_PREFIX + secrets.token_urlsafe(32)


@dataclass(kw_only=True)
class Checkout(Entity):
    """A checkout session of one organization's product price."""

    organization_id: uuid.UUID
    product_id: uuid.UUID
    product_price_id: uuid.UUID
    # The products offered (the first is `product_id` at creation).
    product_ids: list[uuid.UUID] = field(default_factory=list)
    status: CheckoutStatus = CheckoutStatus.open
    client_secret: str = field(default_factory=new_client_secret)
    expires_at: datetime
    success_url: str | None = None
    return_url: str | None = None
    embed_origin: str | None = None
    currency: str = "usd"
    amount: int = 0
    discount_amount: int = 0
    net_amount: int = 0
    tax_amount: int = 0
    total_amount: int = 0
    seats: int | None = None
    units: int | None = None
    # The amount the customer chose (pay what you want), as chosen.
    custom_amount: int | None = None
    discount_id: uuid.UUID | None = None
    allow_discount_codes: bool = True
    require_billing_address: bool = False
    is_business_customer: bool = False
    customer_id: uuid.UUID | None = None
    external_customer_id: str | None = None
    customer_email: str | None = None
    customer_name: str | None = None
    customer_billing_name: str | None = None
    customer_billing_address: Address | None = None
    customer_tax_id: str | None = None
    customer_ip_address: str | None = None
    locale: str | None = None
    metadata: dict[str, str | int | float | bool] = field(default_factory=dict)
    customer_metadata: dict[str, str | int | float | bool] = field(default_factory=dict)
    # The customer's answers to the product's custom fields (slug → value), kept at confirm.
    custom_field_data: dict[str, str | int | bool | None] = field(default_factory=dict)
    # Trials: off when `allow_trial` is false; the checkout's own interval overrides the
    # product's; `trial_end` is when the trial offered now would end (None: no trial).
    allow_trial: bool = True
    trial_interval: Interval | None = None
    trial_interval_count: int | None = None
    trial_end: datetime | None = None

    @property
    def selection(self) -> Selection:
        return Selection(seats=self.seats, units=self.units, amount=self.custom_amount)

    def price_with(self, price: Price, selection: Selection, discount: Discount | None) -> None:
        """Choose `price` with `selection` and `discount`: the amounts follow
        (`checkout_amounts`). Raises InvariantViolation naming the field out of bounds."""
        amounts = checkout_amounts(price, selection, discount)
        self.product_price_id = price.id
        self.product_id = price.product_id
        self.currency = amounts.currency
        self.amount = amounts.amount
        self.discount_amount = amounts.discount_amount
        self.net_amount = amounts.net_amount
        self.tax_amount = amounts.tax_amount
        self.total_amount = amounts.total_amount
        self.seats = amounts.seats
        self.units = amounts.units
        self.custom_amount = selection.amount
        self.discount_id = None if discount is None else discount.id

    def is_expired(self, at: datetime) -> bool:
        return self.status is CheckoutStatus.expired or (
            self.status is CheckoutStatus.open and self.expires_at <= at
        )

    def expire(self, at: datetime) -> None:
        self.status = transition(self.status, "expire")
        self.modified_at = at

    def confirm(self, at: datetime) -> None:
        """The customer submitted the checkout; its payment is under way."""
        self.status = transition(self.status, "confirm")
        self.modified_at = at

    def succeed(self, at: datetime) -> None:
        """Paid (or free): final."""
        self.status = transition(self.status, "succeed")
        self.modified_at = at

    def reopen(self, at: datetime) -> None:
        """The payment failed: the customer may try again (until the checkout expires)."""
        self.status = transition(self.status, "reopen")
        self.modified_at = at

    def resolved_success_url(self, default: str) -> str:
        """The success URL with `{CHECKOUT_ID}` replaced by the id (`default` when unset)."""
        url = self.success_url or default
        return url.replace(CHECKOUT_ID_PLACEHOLDER, str(self.id))

    def active_trial(self, product: Product) -> tuple[Interval, int] | None:
        """The trial this checkout offers on `product`: its own interval, else the product's;
        none when trials are off or the product is not recurring."""
        if not self.allow_trial or not product.is_recurring:
            return None
        interval = self.trial_interval or product.trial_interval
        if interval is None:
            return None
        return interval, self.trial_interval_count or product.trial_interval_count or 1

    def update_trial(self, product: Product, at: datetime) -> None:
        """Set `trial_end` for a trial starting at `at` (None without one)."""
        trial = self.active_trial(product)
        self.trial_end = None if trial is None else period_end(at, trial[0], trial[1])

    @property
    def is_payment_required(self) -> bool:
        """Something is charged at confirm: a total to pay and no trial."""
        return self.total_amount > 0 and self.trial_end is None

    def is_payment_setup_required(self, product: Product, price: Price) -> bool:
        """A card is kept for later charges: a recurring product whose price is not free
        (metered prices bill later, even at 0 now)."""
        if not product.is_recurring:
            return False
        if isinstance(price, MeteredPrice):
            return True
        if isinstance(price, FixedPrice) and price.amount == 0:
            return False
        return self.amount > 0
