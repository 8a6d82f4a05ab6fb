"""The customer portal: what a customer, authenticated by a customer session, sees of itself.

Later issues add the customer's orders, subscriptions, benefit grants and license keys here;
each reads only what belongs to `subject.id`, the session's customer.
"""

from __future__ import annotations

from application.auth import AuthSubject
from application.customers.ports import CustomerUnitOfWork
from application.kit.errors import Unauthorized
from domain.customer import Customer


async def authenticated_customer(uow: CustomerUnitOfWork, subject: AuthSubject) -> Customer:
    """The customer a customer subject is; Unauthorized when it has been deleted since (a
    session outlives its customer only within the credential cache's few seconds)."""
    assert subject.is_customer, "the route admits customer subjects only"
    customer = await uow.customers.get_by_id(subject.require_id())
    if customer is None or customer.organization_id != subject.organization_id:
        raise Unauthorized("The access token is invalid, expired or revoked.")
    return customer
