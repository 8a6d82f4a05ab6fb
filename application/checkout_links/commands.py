"""Inputs of the checkout link use cases (also the request bodies): the client's
`CheckoutLinkCreateProducts`, `CheckoutLinkCreateProduct` and `CheckoutLinkCreateProductPrice`
(one body, told apart by which of `products`, `product_id` and `product_price_id` it sends)
and `CheckoutLinkUpdate`."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from application.checkouts.commands import TrialCount
from application.kit.inputs import Command, JsonInt
from application.kit.metadata import MetadataInput
from domain.checkout import URL_MAX_LENGTH
from domain.checkout_link import LABEL_MAX_LENGTH
from domain.product import Interval

Label = Annotated[str, StringConstraints(max_length=LABEL_MAX_LENGTH)]
Url = Annotated[str, StringConstraints(min_length=1, max_length=URL_MAX_LENGTH)]
Count = Annotated[JsonInt, Field(ge=1, le=1_000_000)]
ProductIds = Annotated[list[uuid.UUID], Field(min_length=1, max_length=100)]


class _LinkFields(Command):
    trial_interval: Interval | None = None
    trial_interval_count: TrialCount | None = None
    label: Label | None = None
    discount_id: uuid.UUID | None = None
    seats: Count | None = None
    units: Count | None = None
    success_url: Url | None = None
    return_url: Url | None = None


class CheckoutLinkCreate(_LinkFields):
    payment_processor: Literal["stripe"]
    metadata: MetadataInput = Field(default_factory=dict)
    allow_discount_codes: bool = True
    require_billing_address: bool = False
    # Exactly one of these three (the client's three create shapes).
    products: ProductIds | None = None
    product_id: uuid.UUID | None = None
    product_price_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def _one_product_source(self) -> CheckoutLinkCreate:
        sent = [
            name
            for name in ("products", "product_id", "product_price_id")
            if getattr(self, name) is not None
        ]
        if len(sent) != 1:
            raise ValueError("Send exactly one of products, product_id or product_price_id.")
        return self


class CheckoutLinkUpdate(_LinkFields):
    metadata: MetadataInput | None = None
    products: ProductIds | None = None
    allow_discount_codes: bool | None = None
    require_billing_address: bool | None = None
