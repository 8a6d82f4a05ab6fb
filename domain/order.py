"""Orders: what a customer bought and owes, one per purchase (a checkout of a one-time product)
or per billing of a subscription.

Rules kept here:

- An order's money is fixed when it is made: `subtotal_amount` − `discount_amount` =
  `net_amount`; `net_amount` + `tax_amount` = `total_amount`. Its lines (`items`) add up to the
  subtotal.
- It is `pending` until paid, then `paid`. Refunds take money back, never more than what was
  paid and not refunded yet (`refundable_amount`): part of it makes the order
  `partially_refunded`, all of it `refunded`.
- The wire format's other amounts follow: nothing is applied from a customer balance yet, so
  `due_amount` is the total until the order is paid and 0 after.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.address import Address
from domain.base import Entity
from domain.errors import InvariantViolation


class OrderStatus(StrEnum):
    """Exactly the client's `OrderStatus` literals."""

    draft = "draft"
    pending = "pending"
    paid = "paid"
    refunded = "refunded"
    partially_refunded = "partially_refunded"
    void = "void"


class BillingReason(StrEnum):
    """Exactly the client's `OrderBillingReason` literals."""

    purchase = "purchase"
    subscription_create = "subscription_create"
    subscription_cycle = "subscription_cycle"
    subscription_update = "subscription_update"
    subscription_meter_cycle = "subscription_meter_cycle"


@dataclass(frozen=True)
class OrderItem:
    """One line of an order: what it was for (`label`) and what it cost."""

    id: uuid.UUID
    created_at: datetime
    label: str
    amount: int
    tax_amount: int = 0
    proration: bool = False
    product_price_id: uuid.UUID | None = None

    def document(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "created_at": self.created_at.isoformat(),
            "label": self.label,
            "amount": self.amount,
            "tax_amount": self.tax_amount,
            "proration": self.proration,
            "product_price_id": None
            if self.product_price_id is None
            else str(self.product_price_id),
        }

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> OrderItem:
        price_id = document.get("product_price_id")
        return cls(
            id=uuid.UUID(document["id"]),
            created_at=datetime.fromisoformat(document["created_at"]),
            label=str(document["label"]),
            amount=int(document["amount"]),
            tax_amount=int(document.get("tax_amount", 0)),
            proration=bool(document.get("proration", False)),
            product_price_id=None if price_id is None else uuid.UUID(price_id),
        )


@dataclass(kw_only=True)
class Order(Entity):
    organization_id: uuid.UUID
    customer_id: uuid.UUID
    product_id: uuid.UUID | None
    status: OrderStatus = OrderStatus.pending
    billing_reason: BillingReason = BillingReason.purchase
    currency: str
    subtotal_amount: int
    discount_amount: int = 0
    net_amount: int
    tax_amount: int = 0
    total_amount: int
    refunded_amount: int = 0
    refunded_tax_amount: int = 0
    billing_name: str | None = None
    billing_address: Address | None = None
    seats: int | None = None
    units: int | None = None
    discount_id: uuid.UUID | None = None
    subscription_id: uuid.UUID | None = None
    checkout_id: uuid.UUID | None = None
    # What the order was for: the product's name when it was bought.
    description: str = ""
    items: list[OrderItem] = field(default_factory=list)
    metadata: dict[str, str | int | float | bool] = field(default_factory=dict)
    custom_field_data: dict[str, str | int | bool | None] = field(default_factory=dict)

    @classmethod
    def create(cls, *, at: datetime, **attributes: Any) -> Order:
        order = cls(created_at=at, **attributes)
        order.validate()
        return order

    def validate(self) -> None:
        """Raise InvariantViolation naming the first amount that does not add up."""
        for name in ("subtotal_amount", "discount_amount", "tax_amount", "refunded_amount"):
            if getattr(self, name) < 0:
                raise InvariantViolation(name, "An amount cannot be negative.")
        if self.net_amount != self.subtotal_amount - self.discount_amount:
            raise InvariantViolation("net_amount", "Net is the subtotal less the discount.")
        if self.total_amount != self.net_amount + self.tax_amount:
            raise InvariantViolation("total_amount", "Total is the net amount plus tax.")
        if self.items and sum(i.amount for i in self.items) != self.subtotal_amount:
            raise InvariantViolation("items", "The lines add up to the subtotal.")
        if self.refunded_amount > self.total_amount:
            raise InvariantViolation("refunded_amount", "More refunded than paid.")

    @property
    def paid(self) -> bool:
        return self.status in (
            OrderStatus.paid,
            OrderStatus.refunded,
            OrderStatus.partially_refunded,
        )

    @property
    def due_amount(self) -> int:
        return 0 if self.paid else self.total_amount

    @property
    def refundable_amount(self) -> int:
        """What a refund may still take back (only from a paid order)."""
        return self.total_amount - self.refunded_amount if self.paid else 0

    @property
    def refundable_tax_amount(self) -> int:
        return self.tax_amount - self.refunded_tax_amount if self.paid else 0

    def mark_paid(self, at: datetime) -> bool:
        """Paid. True when this changed it (a repeated report changes nothing)."""
        if self.paid:
            return False
        if self.status is not OrderStatus.pending:
            raise InvariantViolation("status", f"A {self.status.value} order cannot be paid.")
        self.status = OrderStatus.paid
        self.modified_at = at
        return True

    def refund(self, amount: int, tax_amount: int, at: datetime) -> None:
        """Take `amount` (of which `tax_amount` tax) back. Raises InvariantViolation naming
        `amount` when the order is not paid or the amount is not within what is left."""
        if not self.paid:
            raise InvariantViolation("order_id", "Only a paid order can be refunded.")
        if amount <= 0:
            raise InvariantViolation("amount", "A refund takes back a positive amount.")
        if amount > self.refundable_amount:
            raise InvariantViolation(
                "amount",
                f"At most {self.refundable_amount} can be refunded on this order.",
            )
        if not 0 <= tax_amount <= min(amount, self.refundable_tax_amount):
            raise InvariantViolation("amount", "The refunded tax exceeds the order's.")
        self.refunded_amount += amount
        self.refunded_tax_amount += tax_amount
        self.status = (
            OrderStatus.refunded
            if self.refunded_amount >= self.total_amount
            else OrderStatus.partially_refunded
        )
        self.modified_at = at
