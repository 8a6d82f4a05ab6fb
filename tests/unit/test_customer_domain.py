"""Customer and address rules (domain/customer.py, domain/address.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from domain.address import Address
from domain.customer import ANONYMIZED_AT_KEY, Customer, CustomerType
from domain.errors import InvariantViolation

AT = datetime(2026, 1, 1, tzinfo=UTC)


def _customer(**fields: object) -> Customer:
    values: dict[str, object] = {"organization_id": uuid.uuid4(), "email": "a@example.com"}
    values.update(fields)
    return Customer.create(at=AT, **values)


def test_an_individual_needs_an_email_a_team_does_not() -> None:
    with pytest.raises(InvariantViolation) as error:
        _customer(email=None)
    assert error.value.field == "email"
    assert _customer(email=None, type=CustomerType.team).email is None


def test_a_team_never_becomes_an_individual_again() -> None:
    customer = _customer()
    customer.revise({"type": CustomerType.team})
    assert customer.type is CustomerType.team
    with pytest.raises(InvariantViolation) as error:
        customer.revise({"type": CustomerType.individual})
    assert error.value.field == "type"


def test_external_id_is_write_once() -> None:
    customer = _customer()
    customer.revise({"external_id": "u_1"})
    customer.revise({"external_id": "u_1"})  # the same value is no change
    with pytest.raises(InvariantViolation) as error:
        customer.revise({"external_id": "u_2", "name": "Changed"})
    assert error.value.field == "external_id"
    assert (customer.external_id, customer.name) == ("u_1", None)  # nothing applied


def test_a_new_email_is_not_verified_a_new_case_keeps_it() -> None:
    customer = _customer(email_verified=True)
    customer.revise({"email": "A@example.com"})
    assert customer.email_verified is True
    customer.revise({"email": "b@example.com"})
    assert customer.email_verified is False


def test_a_billing_address_is_never_removed_and_a_tax_id_needs_one() -> None:
    with pytest.raises(InvariantViolation) as error:
        _customer(tax_id="FR61954506077")
    assert error.value.field == "billing_address"
    customer = _customer(billing_address=Address.create(country="FR"), tax_id="FR61954506077")
    customer.revise({"billing_address": Address.create(country="DE")})
    with pytest.raises(InvariantViolation):
        customer.revise({"billing_address": None})


def test_addresses_normalise_and_refuse_unknown_countries() -> None:
    address = Address.create(country="us", state="ny", line1="  1 Main St ", line2="")
    assert (address.country, address.state, address.line1, address.line2) == (
        "US",
        "US-NY",
        "1 Main St",
        None,
    )
    assert Address.create(country="FR", state="Île-de-France").state == "Île-de-France"
    for country, state, field in [
        ("XX", None, "billing_address.country"),
        ("RU", None, "billing_address.country"),  # embargoed: read back, never created
        ("US", "ZZ", "billing_address.state"),
        ("CA", "US-NY", "billing_address.state"),
    ]:
        with pytest.raises(InvariantViolation) as error:
            Address.create(country=country, state=state)
        assert error.value.field == field
    assert Address.from_document(address.document()) == address


def test_anonymizing_scrubs_personal_data_once() -> None:
    customer = _customer(
        name="Ada", external_id="u_1", billing_address=Address.create(country="FR")
    )
    customer.anonymize(AT)
    assert customer.email is not None and customer.email.endswith("@anonymized.invalid")
    assert "a@example.com" not in customer.email and customer.name != "Ada"
    assert (customer.billing_address, customer.external_id) == (None, "u_1")
    scrubbed = (customer.email, customer.name, dict(customer.metadata))
    assert ANONYMIZED_AT_KEY in customer.metadata
    customer.anonymize(datetime(2027, 1, 1, tzinfo=UTC))
    assert (customer.email, customer.name, customer.metadata) == scrubbed


def test_a_business_keeps_its_name_when_anonymized() -> None:
    customer = _customer(
        name="Acme Ltd", billing_address=Address.create(country="FR"), tax_id="FR61954506077"
    )
    customer.anonymize(AT)
    assert customer.name == "Acme Ltd" and customer.tax_id == "FR61954506077"
