"""Customers: who buys from an organization.

Rules kept here:

- A customer belongs to one organization. It is an `individual` or a `team` (a company whose
  members share its purchases). An individual always has an email; a team may have none.
- An individual may become a team; a team never goes back.
- Emails are compared case-insensitively (`email_key`): two live customers of one organization
  cannot share one (the repositories enforce it). A changed email is no longer verified.
- `external_id` is the customer's id in the merchant's system: unique among the organization's
  live customers, and write-once (set at creation or later, never changed once set).
- A tax id needs a billing address (its country says which format it is in); a billing address,
  once set, may change but not be removed.
- Deletion is soft (`deleted_at`): orders and subscriptions keep pointing at the customer, and
  its email and external id are free for a new customer.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.address import Address
from domain.base import Entity
from domain.errors import InvariantViolation

EMAIL_MAX_LENGTH = 320
NAME_MAX_LENGTH = 256
EXTERNAL_ID_MAX_LENGTH = 256
TAX_ID_MAX_LENGTH = 64
LOCALE_MAX_LENGTH = 16
# Anonymized customers' emails end with it (`.invalid` is reserved: nothing is ever sent there).
ANONYMIZED_EMAIL_DOMAIN = "anonymized.invalid"
ANONYMIZED_AT_KEY = "__anonymized_at"

MetadataValue = str | int | float | bool


class CustomerType(StrEnum):
    individual = "individual"
    team = "team"


def email_key(email: str) -> str:
    """The form two emails are compared in: case-insensitive."""
    return email.lower()


def avatar_url(email: str | None) -> str | None:
    """Polar's default avatar: the email's Gravatar, or nothing (404) when it has none."""
    if email is None:
        return None
    digest = hashlib.sha256(email.lower().encode()).hexdigest()
    return f"https://www.gravatar.com/avatar/{digest}?d=404"


def _digest(value: str, salt: str) -> str:
    return hashlib.sha256(f"{salt}:{value}".encode()).hexdigest()[:32]


@dataclass(kw_only=True)
class Customer(Entity):
    organization_id: uuid.UUID
    type: CustomerType = CustomerType.individual
    email: str | None = None
    email_verified: bool = False
    name: str | None = None
    external_id: str | None = None
    billing_address: Address | None = None
    # The tax id as given; its format (`eu_vat`, `gb_vat`…) once tax ids are validated.
    tax_id: str | None = None
    tax_id_format: str | None = None
    locale: str | None = None
    metadata: dict[str, MetadataValue] = field(default_factory=dict)
    # The first usage event ingested for the customer (events come with their own module).
    first_user_event_at: datetime | None = None

    @classmethod
    def create(cls, *, at: datetime, **attributes: Any) -> Customer:
        customer = cls(created_at=at, **attributes)
        customer.validate()
        return customer

    def validate(self) -> None:
        """Raise InvariantViolation naming the first attribute that breaks a rule."""
        if self.type is CustomerType.individual and self.email is None:
            raise InvariantViolation("email", "An individual customer needs an email.")
        if self.email is not None and len(self.email) > EMAIL_MAX_LENGTH:
            raise InvariantViolation("email", f"At most {EMAIL_MAX_LENGTH} characters.")
        if self.name is not None and len(self.name) > NAME_MAX_LENGTH:
            raise InvariantViolation("name", f"At most {NAME_MAX_LENGTH} characters.")
        if self.external_id is not None and not 1 <= len(self.external_id) <= (
            EXTERNAL_ID_MAX_LENGTH
        ):
            raise InvariantViolation(
                "external_id", f"Between 1 and {EXTERNAL_ID_MAX_LENGTH} characters."
            )
        if self.tax_id is not None and self.billing_address is None:
            raise InvariantViolation("billing_address", "Country is required to validate tax ID.")

    def revise(self, changes: Mapping[str, Any]) -> None:
        """Apply `changes` (attribute → value) if the result keeps every rule; else change
        nothing."""
        if changes.get("type", self.type) is not self.type and self.type is CustomerType.team:
            raise InvariantViolation(
                "type", "Customer type cannot be downgraded from 'team' to 'individual'."
            )
        if (
            changes.get("external_id", self.external_id) != self.external_id
            and self.external_id is not None
        ):
            raise InvariantViolation("external_id", "Customer external ID cannot be updated.")
        if (
            "billing_address" in changes
            and changes["billing_address"] is None
            and self.billing_address is not None
        ):
            raise InvariantViolation(
                "billing_address", "Customer billing address cannot be reset to null once set."
            )
        candidate = replace(self, **changes)
        if candidate.email is not None and (
            self.email is None or email_key(candidate.email) != email_key(self.email)
        ):
            # A new address (not merely its case changed) is not verified yet.
            candidate.email_verified = False
        candidate.validate()
        for name in ("email_verified", *changes):
            setattr(self, name, getattr(candidate, name))

    def anonymize(self, at: datetime) -> None:
        """Scrub personal data (GDPR), keeping what invoices and tax law need: the external
        id, the tax id and, for a business (one with a tax id), its name. The email and name
        become digests; the billing address is cleared. Anonymizing twice changes nothing."""
        if ANONYMIZED_AT_KEY in self.metadata:
            return
        salt = self.created_at.isoformat()
        if self.email is not None:
            self.email = f"{_digest(self.email, salt)}@{ANONYMIZED_EMAIL_DOMAIN}"
        self.email_verified = False
        if self.tax_id is None and self.name:
            self.name = _digest(self.name, salt)
        self.billing_address = None
        self.metadata = {**self.metadata, ANONYMIZED_AT_KEY: at.isoformat()}

    @property
    def billing_name(self) -> str | None:
        """The name on invoices: the customer's name (a billing name of its own comes with
        checkouts)."""
        return self.name

    @property
    def avatar_url(self) -> str | None:
        return avatar_url(self.email)
