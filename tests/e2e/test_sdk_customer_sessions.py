"""The official client, unchanged, opening a customer session on a running Meridian and using
its token as the customer."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from polar.base import PolarClientError
from polar.v2026_10 import Polar
from polar.v2026_10.outputs import CustomerIndividual, CustomerPortalCustomer, CustomerSession

from tests.e2e.processes import ApiProcess

pytestmark = pytest.mark.e2e


def test_polar_sdk_opens_a_customer_session(
    running: tuple[ApiProcess, dict[str, str]],
) -> None:
    api, tokens = running
    with Polar(tokens["organization_access_token"], base_url=api.base_url, timeout=30) as polar:
        ada = polar.customers.create(email="ada@example.com", name="Ada", external_id="user_1")
        session = polar.customer_sessions.create(
            customer_id=ada.id, return_url="https://example.com/account"
        )
        assert isinstance(session, CustomerSession)
        assert session.token.startswith("polar_cst_")
        assert session.customer_id == ada.id
        assert isinstance(session.customer, CustomerIndividual)
        assert session.customer.email == "ada@example.com"
        assert session.return_url == "https://example.com/account"
        url = urlsplit(session.customer_portal_url)
        assert url.scheme in {"http", "https"} and url.netloc
        assert "/portal/" in url.path
        assert parse_qs(url.query)["customer_session_token"] == [session.token]

        by_external = polar.customer_sessions.create(external_customer_id="user_1")
        assert by_external.customer_id == ada.id and by_external.token != session.token

        with pytest.raises(PolarClientError) as missing:
            polar.customer_sessions.create(customer_id=str(uuid.uuid4()))
        assert missing.value.status_code == 404

        # The merchant's token is not the customer's.
        with pytest.raises(PolarClientError) as refused:
            polar.customer_portal.customers.get()
        assert refused.value.status_code == 403

    with Polar(session.token, base_url=api.base_url, timeout=30) as portal:
        me = portal.customer_portal.customers.get()
        assert isinstance(me, CustomerPortalCustomer)
        assert (me.id, me.email, me.name) == (ada.id, "ada@example.com", "Ada")
        # … and the customer's token is not the merchant's.
        with pytest.raises(PolarClientError) as refused:
            portal.customers.list()
        assert refused.value.status_code == 403

    with Polar("polar_cst_" + "x" * 43, base_url=api.base_url, timeout=30) as unknown:
        with pytest.raises(PolarClientError) as unauthorized:
            unknown.customer_portal.customers.get()
        assert unauthorized.value.status_code == 401
