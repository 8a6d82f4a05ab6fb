"""Inputs of the customer use cases (also the request bodies of the HTTP API).

The shapes follow the client's `CustomerIndividualCreate`, `CustomerTeamCreate`,
`CustomerUpdate` and `CustomerUpdateExternalID`. Types and lengths are checked here; the rules
(an individual has an email, a country code exists, an external id is write-once) are the
domain's (domain/customer.py, domain/address.py).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BeforeValidator, EmailStr, Field, StringConstraints

from application.kit.inputs import Command
from application.kit.metadata import MetadataInput
from domain.address import LINE_MAX_LENGTH
from domain.customer import (
    EMAIL_MAX_LENGTH,
    EXTERNAL_ID_MAX_LENGTH,
    LOCALE_MAX_LENGTH,
    NAME_MAX_LENGTH,
    TAX_ID_MAX_LENGTH,
    CustomerType,
)


def _empty_to_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


Email = Annotated[EmailStr, Field(max_length=EMAIL_MAX_LENGTH)]
CustomerName = Annotated[str, StringConstraints(max_length=NAME_MAX_LENGTH)]
ExternalId = Annotated[
    Annotated[str, StringConstraints(min_length=1, max_length=EXTERNAL_ID_MAX_LENGTH)] | None,
    BeforeValidator(_empty_to_none),
]
TaxId = Annotated[
    Annotated[str, StringConstraints(strip_whitespace=True, max_length=TAX_ID_MAX_LENGTH)] | None,
    BeforeValidator(_empty_to_none),
]
# A BCP 47 language tag such as `en`, `pt-BR` or `zh-Hant-TW`.
Locale = Annotated[
    Annotated[
        str,
        StringConstraints(
            max_length=LOCALE_MAX_LENGTH, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
        ),
    ]
    | None,
    BeforeValidator(_empty_to_none),
]
AddressLine = Annotated[
    Annotated[str, StringConstraints(max_length=LINE_MAX_LENGTH)] | None,
    BeforeValidator(_empty_to_none),
]
CountryCode = Annotated[str, BeforeValidator(_upper), StringConstraints(pattern=r"^[A-Z]{2}$")]


class AddressInput(Command):
    line1: AddressLine = None
    line2: AddressLine = None
    postal_code: AddressLine = None
    city: AddressLine = None
    state: AddressLine = None
    country: CountryCode


class MemberOwnerInput(Command):
    """The owner member of a team customer (members come with their own module)."""

    email: Email
    name: CustomerName | None = None
    external_id: ExternalId = None


class _CustomerFields(Command):
    name: CustomerName | None = None
    billing_address: AddressInput | None = None
    tax_id: TaxId = None
    locale: Locale = None


class CustomerCreate(_CustomerFields):
    """Both of the client's create shapes: `individual` (the default) needs an email; a `team`
    may leave it out."""

    type: CustomerType = CustomerType.individual
    email: Email | None = None
    external_id: ExternalId = None
    organization_id: uuid.UUID | None = None
    owner: MemberOwnerInput | None = None
    metadata: MetadataInput = Field(default_factory=dict)


class CustomerUpdateExternalID(_CustomerFields):
    """Fields left out are unchanged. `null` leaves the email and metadata as they are, clears
    the name, locale and tax id, and is refused for a billing address that is set."""

    email: Email | None = None
    metadata: MetadataInput | None = None


class CustomerUpdate(CustomerUpdateExternalID):
    """What `PATCH /v1/customers/{id}` takes: also the external id (write-once) and the type
    (individual → team only)."""

    external_id: ExternalId = None
    type: Literal["individual", "team"] | None = None
