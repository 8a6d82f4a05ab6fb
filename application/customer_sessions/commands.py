"""Input of the customer session use case (also the request body of the HTTP API).

The client sends `CustomerSessionCustomerIDCreate` or `CustomerSessionCustomerExternalIDCreate`:
one body naming the customer by exactly one of `customer_id` and `external_customer_id`
(Polar also reads `customer_external_id`). `member_id` and `external_member_id` belong to
Polar's member model, which Meridian does not have: they are accepted and ignored.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Self

from pydantic import AliasChoices, Field, HttpUrl, StringConstraints, model_validator

from application.kit.inputs import Command
from domain.customer import EXTERNAL_ID_MAX_LENGTH
from domain.customer_session import RETURN_URL_MAX_LENGTH

ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=EXTERNAL_ID_MAX_LENGTH)]
ReturnUrl = Annotated[HttpUrl, Field(max_length=RETURN_URL_MAX_LENGTH)]


class CustomerSessionCreate(Command):
    customer_id: uuid.UUID | None = Field(
        default=None, description="ID of the customer to create a session for."
    )
    external_customer_id: ExternalId | None = Field(
        default=None,
        validation_alias=AliasChoices("external_customer_id", "customer_external_id"),
        description="External ID of the customer to create a session for.",
    )
    return_url: ReturnUrl | None = Field(
        default=None,
        description="When set, a back button will be shown in the customer portal to return "
        "to this URL.",
    )
    member_id: uuid.UUID | None = None
    external_member_id: str | None = None

    @model_validator(mode="after")
    def _one_customer(self) -> Self:
        if (self.customer_id is None) == (self.external_customer_id is None):
            raise ValueError("Send exactly one of `customer_id` and `external_customer_id`.")
        return self
