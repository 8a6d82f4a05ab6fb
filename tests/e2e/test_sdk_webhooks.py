"""The official client manages webhook endpoints on a running Meridian; a product update reaches a
real receiver on 127.0.0.1 whose signature both the SDK helper and `standardwebhooks` accept;
deliveries are listed and one is redelivered."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import pytest
from polar.v2026_10 import Polar
from polar.v2026_10.errors import HTTPValidationError, ResourceNotFound
from polar.v2026_10.webhooks import WebhookProductUpdatedPayload, validate_event
from standardwebhooks.webhooks import Webhook

from tests.e2e.processes import ApiProcess, bootstrap
from tests.receiver import Received, Receiver

pytestmark = pytest.mark.e2e


def wait_for(condition: Callable[[], bool], timeout: float = 30, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as receiver:
        yield receiver


def test_polar_sdk_webhooks(base_env: dict[str, str], receiver: Receiver) -> None:
    # Development only, off by default: lets the endpoint point at the receiver on 127.0.0.1.
    env = {**base_env, "MERIDIAN_WEBHOOK_ALLOW_LOOPBACK": "true"}
    api = ApiProcess(env).start()
    try:
        tokens = bootstrap(env, "owner@example.com", "Webhook Org")
        _scenario(api, tokens, receiver)
    finally:
        api.stop()


def _scenario(api: ApiProcess, tokens: dict[str, str], receiver: Receiver) -> None:
    with Polar(tokens["organization_access_token"], base_url=api.base_url, timeout=30) as polar:
        endpoint = polar.webhooks.create_webhook_endpoint(
            url=receiver.url,
            format="raw",
            events=["product.created", "product.updated"],
            name="Receiver",
        )
        assert endpoint.secret.startswith("whsec_") and endpoint.enabled
        assert endpoint.uses_standard_webhook_signature is True
        assert polar.webhooks.get_webhook_endpoint(endpoint.id) == endpoint
        listed = polar.webhooks.list_webhook_endpoints()
        assert [e.id for e in listed.items] == [endpoint.id]
        with pytest.raises(HTTPValidationError):
            polar.webhooks.create_webhook_endpoint(
                url="https://10.0.0.1/hook", format="raw", events=["order.paid"]
            )
        with pytest.raises(ResourceNotFound):
            polar.webhooks.get_webhook_endpoint("00000000-0000-4000-8000-000000000000")

        product = polar.products.create(
            name="Pro", prices=[{"amount_type": "fixed", "price_amount": 1500}]
        )
        updated = polar.products.update(product.id, name="Pro Max")
        wait_for(lambda: len(receiver.requests()) >= 2, what="two deliveries")
        by_type = {_type(r): r for r in receiver.requests()}
        request = by_type["product.updated"]
        payload = validate_event(request.body, request.headers, endpoint.secret)
        assert isinstance(payload, WebhookProductUpdatedPayload)
        assert (payload.data.id, payload.data.name) == (product.id, "Pro Max")
        assert payload.data.modified_at == updated.modified_at
        for r in receiver.requests():
            Webhook(endpoint.secret).verify(r.body, r.headers)

        wait_for(
            lambda: polar.webhooks.list_webhook_deliveries().pagination.total_count == 2,
            what="two recorded deliveries",
        )
        deliveries = polar.webhooks.list_webhook_deliveries(
            endpoint_id=endpoint.id, event_type="product.updated"
        )
        (delivery,) = deliveries.items
        assert (delivery.succeeded, delivery.http_code) == (True, 200)
        assert delivery.webhook_event.id == request.headers["webhook-id"]
        assert delivery.webhook_event.payload == request.body.decode()

        polar.webhooks.redeliver_webhook_event(delivery.webhook_event.id)
        wait_for(lambda: len(receiver.requests()) == 3, what="the redelivery")
        again = receiver.requests()[-1]
        assert again.headers["webhook-id"] == delivery.webhook_event.id
        assert again.body == request.body
        validate_event(again.body, again.headers, endpoint.secret)
        wait_for(
            lambda: polar.webhooks.list_webhook_deliveries().pagination.total_count == 3,
            what="the redelivery's record",
        )

        rotated = polar.webhooks.reset_webhook_endpoint_secret(endpoint.id)
        assert rotated.secret != endpoint.secret
        disabled = polar.webhooks.update_webhook_endpoint(endpoint.id, enabled=False)
        assert disabled.enabled is False
        # A change while the endpoint is disabled is not sent, then or ever: its event is not
        # even written. A new endpoint hears only what comes after it.
        polar.products.update(product.id, name="Quiet")
        polar.webhooks.delete_webhook_endpoint(endpoint.id)
        with pytest.raises(ResourceNotFound):
            polar.webhooks.get_webhook_endpoint(endpoint.id)
        polar.webhooks.create_webhook_endpoint(
            url=receiver.url, format="raw", events=["product.updated"]
        )
        polar.products.update(product.id, name="Heard")
        wait_for(lambda: len(receiver.requests()) == 4, what="the new endpoint's event")
    names = [json.loads(r.body)["data"]["name"] for r in receiver.requests()]
    assert names[-1] == "Heard" and "Quiet" not in names


def _type(request: Received) -> str:
    return str(json.loads(request.body)["type"])
