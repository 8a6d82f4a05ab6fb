"""The official client, unchanged, managing customers on a running Meridian."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from polar.v2026_10 import Polar
from polar.v2026_10.errors import HTTPValidationError, ResourceNotFound
from polar.v2026_10.outputs import CustomerIndividual, CustomerStateIndividual, CustomerTeam

from tests.e2e.processes import ApiProcess

pytestmark = pytest.mark.e2e


def test_polar_sdk_manages_customers(running: tuple[ApiProcess, dict[str, str]]) -> None:
    api, tokens = running
    organization_id = tokens["organization_id"]
    with Polar(tokens["organization_access_token"], base_url=api.base_url, timeout=30) as polar:
        # Event jobs exist only for events an endpoint subscribes to. Its host does not
        # resolve (accepted at save): the events are recorded, their deliveries fail.
        polar.webhooks.create_webhook_endpoint(
            url="https://customers-hook.invalid/hook",
            format="raw",
            events=["customer.created", "customer.deleted", "customer.state_changed"],
        )
        ada = polar.customers.create(
            email="ada@example.com",
            name="Ada Lovelace",
            external_id="user_1",
            billing_address={"country": "GB", "city": "London"},
            metadata={"plan": "pro", "seats": 3},
        )
        assert isinstance(ada, CustomerIndividual)
        assert (ada.email, ada.name, ada.external_id) == (
            "ada@example.com",
            "Ada Lovelace",
            "user_1",
        )
        assert ada.organization_id == organization_id
        assert ada.billing_address is not None and ada.billing_address.country == "GB"
        assert ada.metadata == {"plan": "pro", "seats": 3}

        team = polar.customers.create(
            type="team", name="Acme", email="billing@acme.example.com", external_id="team_1"
        )
        assert isinstance(team, CustomerTeam)

        assert polar.customers.get(ada.id) == ada
        assert polar.customers.get_external("user_1") == ada

        with pytest.raises(HTTPValidationError):
            polar.customers.create(email="ADA@example.com")  # the email is taken
        with pytest.raises(ResourceNotFound):
            polar.customers.get(str(uuid.uuid4()))

        updated = polar.customers.update(ada.id, name="Ada King", metadata={"plan": "team"})
        assert (updated.name, updated.metadata) == ("Ada King", {"plan": "team"})
        assert updated.modified_at is not None
        by_external = polar.customers.update_external("user_1", locale="en-GB")
        assert (by_external.name, by_external.locale) == ("Ada King", "en-GB")
        with pytest.raises(HTTPValidationError):
            polar.customers.update(ada.id, external_id="user_2")  # write-once

        listed = polar.customers.list()
        assert [c.id for c in listed.items] == [team.id, ada.id]  # newest first
        assert (listed.pagination.total_count, listed.pagination.max_page) == (2, 1)
        assert [c.id for c in polar.customers.list(query="acme").items] == [team.id]
        assert [c.id for c in polar.customers.list(email="ADA@EXAMPLE.COM").items] == [ada.id]
        assert [c.id for c in polar.customers.list(metadata={"plan": "team"}).items] == [ada.id]
        by_email = polar.customers.list(sorting=["email"], organization_id=organization_id)
        assert [c.id for c in by_email.items] == [ada.id, team.id]

        state = polar.customers.get_state(ada.id)
        assert isinstance(state, CustomerStateIndividual)
        assert (state.active_subscriptions, state.granted_benefits, state.active_meters) == (
            [],
            [],
            [],
        )
        assert polar.customers.get_state_external("user_1").id == ada.id
        methods = polar.customers.list_payment_methods(ada.id)
        assert (methods.items, methods.pagination.total_count) == ([], 0)
        assert polar.customers.list_payment_methods_external("user_1").items == []

        exported = polar.customers.export(organization_id=organization_id)
        rows = list(csv.reader(io.StringIO(exported)))
        assert rows[0][0] == "ID"
        assert [(r[0], r[1], r[3]) for r in rows[1:]] == [
            (ada.id, "user_1", "ada@example.com"),
            (team.id, "team_1", "billing@acme.example.com"),
        ]

        polar.customers.delete(ada.id)
        with pytest.raises(ResourceNotFound):
            polar.customers.get(ada.id)
        polar.customers.delete_external("team_1")
        with pytest.raises(ResourceNotFound):
            polar.customers.get_external("team_1")
        assert polar.customers.list().items == []

    with Polar(tokens["personal_access_token"], base_url=api.base_url, timeout=30) as polar:
        # A user token names the organization; the deleted customer's email is free again.
        for i in range(11):
            polar.customers.create(email=f"c{i}@example.com", organization_id=organization_id)
        again = polar.customers.create(email="ada@example.com", organization_id=organization_id)
        everything = list(polar.customers.iter_list(limit=5, organization_id=[organization_id]))
        assert len({c.id for c in everything}) == 12
        assert again.id in {c.id for c in everything}

    # The event jobs ran (in process here) for the subscribed endpoint.
    api.wait_for_log(f"customer.created recorded for customer {ada.id}")
    api.wait_for_log(f"customer.deleted recorded for customer {ada.id}")
    api.wait_for_log(f"customer.state_changed recorded for customer {ada.id}")
