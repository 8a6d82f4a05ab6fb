"""Trial redemptions: who has had a trial from an organization, so that one that turns on
`prevent_trial_abuse` can refuse a second (Polar's rule: one trial per customer email across the
organization, sub-addresses counted as the address)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from domain.base import Entity


def unalias_email(email: str) -> str:
    """`email` without its `+tag` sub-address, lowercased: `Ada+promo@Example.com` and
    `ada@example.com` are one person's."""
    local, at, domain = email.rpartition("@")
    if not at:
        return email.lower()
    return f"{local.split('+', 1)[0]}@{domain}".lower()


@dataclass(kw_only=True)
class TrialRedemption(Entity):
    organization_id: uuid.UUID
    customer_id: uuid.UUID
    product_id: uuid.UUID | None
    # unalias_email of the customer's email when the trial started.
    customer_email: str
