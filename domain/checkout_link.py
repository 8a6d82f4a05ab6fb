"""Checkout links: a shareable, long-lived URL that opens a new checkout of one organization's
products each time someone follows it.

Rules kept here:

- A link offers one or more products of its organization, in order (`product_ids`). Which of
  them are still live is the application's question: a link whose products are all archived or
  deleted opens nothing.
- Its `client_secret` is a random URL-safe token, the handle of the public redirect; it never
  changes.
- What a link presets (discount, seats, units, success and return URLs, metadata) is copied to
  each checkout it opens; a preset the products no longer allow is ignored there, not here.
- Deletion is soft (`deleted_at`): the redirect then answers 404.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field

from domain.base import Entity
from domain.errors import InvariantViolation
from domain.product import Interval

CLIENT_SECRET_PREFIX = "polar_cl_"  # noqa: S105 - a prefix, not a secret
LABEL_MAX_LENGTH = 256
# The query parameters a link's redirect copies into the checkout's metadata (Polar's).
QUERY_METADATA_KEYS = (
    "reference_id",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
)


def new_client_secret() -> str:
    """A link's client secret: whoever holds it may open checkouts from the link."""
    return CLIENT_SECRET_PREFIX + secrets.token_urlsafe(32)


@dataclass(kw_only=True)
class CheckoutLink(Entity):
    organization_id: uuid.UUID
    # The products offered, in order (at least one).
    product_ids: list[uuid.UUID] = field(default_factory=list)
    client_secret: str = field(default_factory=new_client_secret)
    label: str | None = None
    discount_id: uuid.UUID | None = None
    allow_discount_codes: bool = True
    require_billing_address: bool = False
    seats: int | None = None
    units: int | None = None
    trial_interval: Interval | None = None
    trial_interval_count: int | None = None
    success_url: str | None = None
    return_url: str | None = None
    metadata: dict[str, str | int | float | bool] = field(default_factory=dict)

    def validate(self) -> None:
        """Raise InvariantViolation naming the first attribute that breaks a rule."""
        if not self.product_ids:
            raise InvariantViolation("products", "At least one product is needed.")
        if len(set(self.product_ids)) != len(self.product_ids):
            raise InvariantViolation("products", "A product can only be listed once.")
        for name in ("seats", "units"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise InvariantViolation(name, "Must be at least 1.")

    def query_metadata(self, values: dict[str, str | None]) -> dict[str, str | int | float | bool]:
        """The metadata of a checkout this link opens: the link's, then each of
        QUERY_METADATA_KEYS given in `values` (non-empty) that the link does not set."""
        result = dict(self.metadata)
        for key in QUERY_METADATA_KEYS:
            value = values.get(key)
            if value and key not in result:
                result[key] = value
        return result


@dataclass(frozen=True)
class CheckoutPrefill:
    """What a link's redirect presets on the checkout it opens, from its query string. Each
    is None when absent or not usable (an invalid email, an amount that is not a number); one
    the product does not allow (an amount out of bounds, an unknown discount code) is ignored
    when the checkout is opened."""

    product_id: uuid.UUID | None = None
    customer_email: str | None = None
    customer_name: str | None = None
    discount_code: str | None = None
    amount: int | None = None
    locale: str | None = None
    customer_ip_address: str | None = None
    metadata: dict[str, str | int | float | bool] = field(default_factory=dict)
