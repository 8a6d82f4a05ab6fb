"""Inputs of the order use cases (also the request bodies): the client's `OrderUpdate`."""

from __future__ import annotations

from application.checkouts.commands import Name
from application.customers.commands import AddressInput
from application.kit.inputs import Command


class OrderUpdate(Command):
    """What the merchant may change on an order: whom its invoice is addressed to."""

    billing_name: Name | None = None
    billing_address: AddressInput | None = None
