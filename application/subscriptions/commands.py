"""What `POST /v1/subscriptions/` accepts: the client's `SubscriptionCreateCustomer` or
`SubscriptionCreateExternalCustomer` (a free recurring product, for an existing customer)."""

from __future__ import annotations

from typing import Annotated

from pydantic import UUID4, Field

from application.kit.inputs import Command
from application.kit.metadata import MetadataInput


class _SubscriptionCreateBase(Command):
    metadata: MetadataInput = Field(default_factory=dict)
    product_id: UUID4 = Field(
        description="The ID of the recurring product to subscribe to. Must be a free product, "
        "otherwise the customer should go through a checkout flow."
    )


class SubscriptionCreateCustomer(_SubscriptionCreateBase):
    """Create a subscription for an existing customer."""

    customer_id: UUID4 = Field(description="The ID of the customer to create the subscription for.")


class SubscriptionCreateExternalCustomer(_SubscriptionCreateBase):
    """Create a subscription for an existing customer identified by an external ID."""

    external_customer_id: Annotated[str, Field(min_length=1, max_length=256)] = Field(
        description="The ID of the customer in your system to create the subscription for. "
        "It must already exist in Polar."
    )


SubscriptionCreate = SubscriptionCreateCustomer | SubscriptionCreateExternalCustomer
