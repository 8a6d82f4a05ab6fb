"""Benefit grants' domain: which revoked grants a grant job may grant again."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.benefit_grant import BenefitGrant
from domain.errors import InvariantViolation

AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
LATER = AT + timedelta(hours=1)


def _grant(*, order: bool = False, subscription: bool = False) -> BenefitGrant:
    return BenefitGrant(
        created_at=AT,
        organization_id=uuid.uuid4(),
        customer_id=uuid.uuid4(),
        benefit_id=uuid.uuid4(),
        order_id=uuid.uuid4() if order else None,
        subscription_id=uuid.uuid4() if subscription else None,
    )


def test_a_tombstone_is_revoked_and_never_granted() -> None:
    tombstone = BenefitGrant.tombstone(
        at=AT, organization_id=uuid.uuid4(), customer_id=uuid.uuid4(), benefit_id=uuid.uuid4()
    )
    assert tombstone.is_tombstone and tombstone.is_revoked and not tombstone.is_granted
    assert not tombstone.is_grantable
    with pytest.raises(InvariantViolation):
        tombstone.grant(LATER, {})
    assert not tombstone.revoke(LATER, {})


def test_an_orders_revoked_grant_is_revoked_for_good() -> None:
    grant = _grant(order=True)
    assert grant.is_order_scoped and grant.is_grantable
    grant.grant(AT, {"license_key_id": "k"})
    assert grant.is_grantable  # granting it again changes nothing, but is allowed
    grant.revoke(LATER, {})
    assert not grant.is_grantable
    with pytest.raises(InvariantViolation):
        grant.grant(LATER, {})
    assert grant.is_revoked and not grant.is_granted


@pytest.mark.parametrize("subscription", [True, False], ids=["subscription", "no scope"])
def test_other_revoked_grants_may_be_granted_again(subscription: bool) -> None:
    grant = _grant(subscription=subscription)
    assert not grant.is_order_scoped
    grant.grant(AT, {})
    grant.revoke(LATER, {})
    assert grant.is_grantable
    assert grant.grant(LATER, {}) and grant.is_granted and not grant.is_revoked
