"""The webhooks API, as a user and as an organization: Polar's wire format, tenancy, scopes,
validation (422 naming the field, nothing changed), and real deliveries to a receiver on
127.0.0.1 (jobs run in-process right after each commit here)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from dependency_injector import providers
from polar.base import deserialize
from polar.v2026_10.outputs import (
    ListResourceWebhookDelivery,
    ListResourceWebhookEndpoint,
    WebhookEndpoint,
)
from polar.v2026_10.webhooks import (
    WebhookBenefitCreatedPayload,
    WebhookBenefitUpdatedPayload,
    WebhookDiscountCreatedPayload,
    WebhookDiscountDeletedPayload,
    WebhookOrganizationUpdatedPayload,
    WebhookProductCreatedPayload,
    WebhookProductUpdatedPayload,
    validate_event,
)
from standardwebhooks.webhooks import Webhook

from application.auth import Scope
from application.webhooks.guard import UrlGuard
from domain.membership import MemberRole
from entrypoints.container import Container
from tests.api.conftest import committing_app
from tests.harness import Seeder, Tenant, error_loc
from tests.receiver import Receiver

PUBLIC_URL = "https://93.184.216.34/webhooks"
ENDPOINTS = "/v1/webhooks/endpoints"


@pytest.fixture
def loopback(container: Container) -> Iterator[None]:
    """Development's MERIDIAN_WEBHOOK_ALLOW_LOOPBACK, so that the receiver on 127.0.0.1 is
    reachable (off by default: see test_loopback_is_refused_by_default)."""
    guard = UrlGuard(container.address_resolver(), require_https=False, allow_loopback=True)
    container.url_guard.override(providers.Object(guard))
    container.webhook_service.reset()
    container.webhook_deliverer.reset()
    yield
    container.url_guard.reset_override()
    container.webhook_service.reset()
    container.webhook_deliverer.reset()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as receiver:
        yield receiver


async def _create(
    client: httpx.AsyncClient, tenant: Tenant, kind: str, **body: Any
) -> dict[str, Any]:
    fields = {"url": PUBLIC_URL, "format": "raw", "events": ["product.updated"], **body}
    response = await client.post(
        ENDPOINTS, json=tenant.body(kind, fields), headers=tenant.headers(kind)
    )
    assert response.status_code == 201, response.text
    deserialize(response.json(), WebhookEndpoint)
    return dict(response.json())


async def _state(client: httpx.AsyncClient, tenant: Tenant) -> list[dict[str, Any]]:
    response = await client.get(f"{ENDPOINTS}?limit=100", headers=tenant.headers("user"))
    assert response.status_code == 200
    return list(response.json()["items"])


async def _deliveries(
    client: httpx.AsyncClient, tenant: Tenant, kind: str = "user", **params: Any
) -> dict[str, Any]:
    response = await client.get(
        "/v1/webhooks/deliveries", params=params, headers=tenant.headers(kind)
    )
    assert response.status_code == 200, response.text
    deserialize(response.json(), ListResourceWebhookDelivery)
    return dict(response.json())


async def _product(client: httpx.AsyncClient, tenant: Tenant, name: str = "Pro") -> str:
    response = await client.post(
        "/v1/products/",
        json={
            "name": name,
            "organization_id": str(tenant.organization.id),
            "prices": [{"amount_type": "fixed", "price_amount": 1000}],
        },
        headers=tenant.headers("user"),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


class TestAuthentication:
    async def test_anonymous(self, client: httpx.AsyncClient) -> None:
        some = uuid.uuid4()
        for method, path in [
            ("GET", ENDPOINTS),
            ("POST", ENDPOINTS),
            ("GET", f"{ENDPOINTS}/{some}"),
            ("PATCH", f"{ENDPOINTS}/{some}"),
            ("DELETE", f"{ENDPOINTS}/{some}"),
            ("PATCH", f"{ENDPOINTS}/{some}/secret"),
            ("GET", "/v1/webhooks/deliveries"),
            ("POST", f"/v1/webhooks/events/{some}/redeliver"),
        ]:
            response = await client.request(method, path, json={})
            assert response.status_code == 401, (method, path)
            assert response.json()["error"] == "Unauthorized"

    async def test_missing_scope(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant(scopes=[Scope.products_read, Scope.products_write])
        headers = tenant.headers(subject_kind)
        body = tenant.body(
            subject_kind, {"url": PUBLIC_URL, "format": "raw", "events": ["order.paid"]}
        )
        for response in (
            await client.get(ENDPOINTS, headers=headers),
            await client.post(ENDPOINTS, json=body, headers=headers),
            await client.get("/v1/webhooks/deliveries", headers=headers),
        ):
            assert response.status_code == 403
            assert response.json()["error"] == "NotPermitted"

    async def test_read_scope_reads_but_cannot_write(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant(scopes=[Scope.webhooks_read])
        writer = (await seeder.member(tenant, MemberRole.member)).token
        response = await client.post(
            ENDPOINTS,
            json={
                "url": PUBLIC_URL,
                "format": "raw",
                "events": ["order.paid"],
                "organization_id": str(tenant.organization.id),
            },
            headers={"Authorization": f"Bearer {writer}"},
        )
        assert response.status_code == 201
        path = f"{ENDPOINTS}/{response.json()['id']}"
        headers = tenant.headers(subject_kind)
        assert (await client.get(ENDPOINTS, headers=headers)).status_code == 200
        assert (await client.get(path, headers=headers)).status_code == 200
        assert (await client.get("/v1/webhooks/deliveries", headers=headers)).status_code == 200
        before = await _state(client, tenant)
        for method, target in [
            ("PATCH", path),
            ("DELETE", path),
            ("PATCH", f"{path}/secret"),
            ("POST", ENDPOINTS),
            ("POST", f"/v1/webhooks/events/{uuid.uuid4()}/redeliver"),
        ]:
            response = await client.request(method, target, json={}, headers=headers)
            assert response.status_code == 403, (method, target)
        assert await _state(client, tenant) == before


class TestEndpoints:
    async def test_create_get_list(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        created = await _create(
            client, tenant, subject_kind, name="Main", events=["product.updated", "order.paid"]
        )
        assert created["secret"].startswith("whsec_")
        assert (created["organization_id"], created["enabled"]) == (
            str(tenant.organization.id),
            True,
        )
        assert (created["api_version"], created["format"], created["name"]) == (
            "2026-10",
            "raw",
            "Main",
        )
        assert created["uses_standard_webhook_signature"] is True
        assert created["modified_at"] is None
        headers = tenant.headers(subject_kind)
        got = await client.get(f"{ENDPOINTS}/{created['id']}", headers=headers)
        assert got.json() == created
        listed = await client.get(ENDPOINTS, headers=headers)
        deserialize(listed.json(), ListResourceWebhookEndpoint)
        assert [e["id"] for e in listed.json()["items"]] == [created["id"]]
        assert listed.json()["pagination"] == {"total_count": 1, "max_page": 1}

    async def test_organization_header_and_another_tenants_organization(
        self, client: httpx.AsyncClient, seeder: Seeder
    ) -> None:
        tenant, other = await seeder.tenant(), await seeder.tenant()
        body = {"url": PUBLIC_URL, "format": "raw", "events": ["order.paid"]}
        headers = {**tenant.headers("user"), "Polar-Organization": str(tenant.organization.id)}
        assert (await client.post(ENDPOINTS, json=body, headers=headers)).status_code == 201
        for kind in ("user", "organization"):
            response = await client.post(
                ENDPOINTS,
                json={**body, "organization_id": str(other.organization.id)},
                headers=tenant.headers(kind),
            )
            assert response.status_code == 404
        assert await _state(client, other) == []
        missing = await client.post(ENDPOINTS, json=body, headers=tenant.headers("user"))
        assert error_loc(missing) == ["body", "organization_id"]

    @pytest.mark.parametrize(
        ("body", "loc"),
        [
            ({"url": None}, ["body", "url"]),
            ({"url": "https://10.0.0.1/hook"}, ["body", "url"]),
            ({"url": "https://169.254.169.254/latest"}, ["body", "url"]),
            ({"url": "https://127.0.0.1/hook"}, ["body", "url"]),
            ({"url": "https://[::1]/hook"}, ["body", "url"]),
            ({"url": "file:///etc/passwd"}, ["body", "url"]),
            ({"url": "https://" + "a" * 2100 + ".com/"}, ["body", "url"]),
            ({"url": PUBLIC_URL + "\r\nX-Injected: 1"}, ["body", "url"]),
            ({"url": PUBLIC_URL + "/a b"}, ["body", "url"]),
            ({"url": PUBLIC_URL + "/a\tb"}, ["body", "url"]),
            ({"url": PUBLIC_URL + "/\x1b[31m"}, ["body", "url"]),
            ({"url": "https://[2002:7f00:1::]/hook"}, ["body", "url"]),  # 6to4 of 127.0.0.1
            ({"url": "https://" + "a" * 64 + ".com/"}, ["body", "url"]),
            ({"events": []}, ["body", "events"]),
            ({"events": ["product.updated", "nope"]}, ["body", "events", 1]),
            ({"events": "product.updated"}, ["body", "events"]),
            ({"format": "xml"}, ["body", "format"]),
            ({"api_version": "2020-01"}, ["body", "api_version"]),
            ({"name": "x" * 300}, ["body", "name"]),
            ({"name": "a\x00b"}, ["body", "name"]),
        ],
    )
    async def test_bad_input_names_the_field_and_changes_nothing(
        self,
        client: httpx.AsyncClient,
        seeder: Seeder,
        subject_kind: str,
        body: dict[str, Any],
        loc: list[Any],
    ) -> None:
        tenant = await seeder.tenant()
        fields = {"url": PUBLIC_URL, "format": "raw", "events": ["order.paid"], **body}
        fields = {k: v for k, v in fields.items() if v is not None}
        response = await client.post(
            ENDPOINTS,
            json=tenant.body(subject_kind, fields),
            headers=tenant.headers(subject_kind),
        )
        assert error_loc(response) == loc
        assert await _state(client, tenant) == []

    async def test_update_rotate_delete(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        headers = tenant.headers(subject_kind)
        created = await _create(client, tenant, subject_kind, name="Main")
        path = f"{ENDPOINTS}/{created['id']}"
        updated = await client.patch(
            path,
            json={"events": ["order.paid"], "format": "slack", "enabled": False, "name": None},
            headers=headers,
        )
        assert updated.status_code == 200, updated.text
        body = updated.json()
        deserialize(body, WebhookEndpoint)
        assert (body["events"], body["format"], body["enabled"], body["name"]) == (
            ["order.paid"],
            "slack",
            False,
            None,
        )
        assert body["url"] == PUBLIC_URL and body["modified_at"] is not None
        rotated = await client.patch(f"{path}/secret", headers=headers)
        assert rotated.status_code == 200
        assert rotated.json()["secret"] != created["secret"]
        assert rotated.json()["secret"].startswith("whsec_")
        assert (await client.delete(path, headers=headers)).status_code == 204
        assert (await client.get(path, headers=headers)).status_code == 404
        assert (await client.delete(path, headers=headers)).status_code == 404
        assert await _state(client, tenant) == []

    @pytest.mark.parametrize(
        ("body", "loc"),
        [
            ({"url": "https://192.168.1.1/"}, ["body", "url"]),
            ({"url": PUBLIC_URL + "\nX-Injected: 1"}, ["body", "url"]),
            ({"events": ["nope"]}, ["body", "events", 0]),
            ({"events": []}, ["body", "events"]),
            ({"format": "xml"}, ["body", "format"]),
            ({"enabled": "maybe"}, ["body", "enabled"]),
        ],
    )
    async def test_bad_update_names_the_field_and_changes_nothing(
        self,
        client: httpx.AsyncClient,
        seeder: Seeder,
        subject_kind: str,
        body: dict[str, Any],
        loc: list[Any],
    ) -> None:
        tenant = await seeder.tenant()
        created = await _create(client, tenant, subject_kind)
        response = await client.patch(
            f"{ENDPOINTS}/{created['id']}", json=body, headers=tenant.headers(subject_kind)
        )
        assert error_loc(response) == loc
        assert await _state(client, tenant) == [created]

    async def test_another_tenants_endpoint_is_not_found(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant, other = await seeder.tenant(), await seeder.tenant()
        theirs = await _create(client, other, "organization")
        path = f"{ENDPOINTS}/{theirs['id']}"
        headers = tenant.headers(subject_kind)
        for method, target, body in [
            ("GET", path, None),
            ("PATCH", path, {"name": "mine"}),
            ("DELETE", path, None),
            ("PATCH", f"{path}/secret", None),
        ]:
            response = await client.request(method, target, json=body, headers=headers)
            assert response.status_code == 404, (method, target)
            assert response.json()["error"] == "ResourceNotFound"
        listed = await client.get(ENDPOINTS, headers=headers)
        assert listed.json()["items"] == []
        filtered = await client.get(
            ENDPOINTS, params={"organization_id": str(other.organization.id)}, headers=headers
        )
        assert filtered.json()["items"] == []
        assert await _state(client, other) == [theirs]

    async def test_unknown_and_malformed_ids(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        headers = tenant.headers(subject_kind)
        unknown = await client.get(f"{ENDPOINTS}/{uuid.uuid4()}", headers=headers)
        assert unknown.status_code == 404
        malformed = await client.get(f"{ENDPOINTS}/not-a-uuid", headers=headers)
        assert error_loc(malformed) == ["path", "id"]
        redeliver = await client.post("/v1/webhooks/events/nope/redeliver", headers=headers)
        assert error_loc(redeliver) == ["path", "id"]

    async def test_pagination_and_filter(
        self, client: httpx.AsyncClient, seeder: Seeder, subject_kind: str
    ) -> None:
        tenant = await seeder.tenant()
        ids = [(await _create(client, tenant, subject_kind))["id"] for _ in range(3)]
        headers = tenant.headers(subject_kind)
        page = await client.get(ENDPOINTS, params={"limit": 2, "page": 2}, headers=headers)
        assert page.json()["pagination"] == {"total_count": 3, "max_page": 2}
        first = await client.get(ENDPOINTS, params={"limit": 2}, headers=headers)
        seen = [e["id"] for e in first.json()["items"] + page.json()["items"]]
        assert sorted(seen) == sorted(ids)
        assert seen[0] == ids[-1]  # newest first
        by_org = await client.get(
            ENDPOINTS, params={"organization_id": str(tenant.organization.id)}, headers=headers
        )
        assert by_org.json()["pagination"]["total_count"] == 3
        assert error_loc(await client.get(ENDPOINTS, params={"page": 0}, headers=headers)) == [
            "query",
            "page",
        ]

    async def test_loopback_is_refused_by_default(
        self, client: httpx.AsyncClient, seeder: Seeder, receiver: Receiver
    ) -> None:
        tenant = await seeder.tenant()
        response = await client.post(
            ENDPOINTS,
            json={"url": receiver.url, "format": "raw", "events": ["product.updated"]},
            headers=tenant.headers("organization"),
        )
        assert error_loc(response) == ["body", "url"]
        assert "Loopback" in response.json()["detail"][0]["msg"]


@pytest.mark.usefixtures("loopback")
class TestDeliveries:
    async def test_product_events_are_delivered_signed_and_listed(
        self,
        client: httpx.AsyncClient,
        seeder: Seeder,
        subject_kind: str,
        receiver: Receiver,
    ) -> None:
        tenant, other = await seeder.tenant(), await seeder.tenant()
        endpoint = await _create(
            client,
            tenant,
            subject_kind,
            url=receiver.url,
            events=["product.created", "product.updated"],
        )
        product_id = await _product(client, tenant)
        updated = await client.patch(
            f"/v1/products/{product_id}", json={"name": "Pro 2"}, headers=tenant.headers("user")
        )
        assert updated.status_code == 200
        await _product(client, other)  # another tenant's change reaches no endpoint of ours
        created_request, updated_request = receiver.requests()
        for request in (created_request, updated_request):
            # Both verifiers accept what was sent.
            Webhook(endpoint["secret"]).verify(request.body, request.headers)
        created_payload = validate_event(
            created_request.body, created_request.headers, endpoint["secret"]
        )
        assert isinstance(created_payload, WebhookProductCreatedPayload)
        payload = validate_event(updated_request.body, updated_request.headers, endpoint["secret"])
        assert isinstance(payload, WebhookProductUpdatedPayload)
        assert (payload.data.id, payload.data.name, payload.api_version) == (
            product_id,
            "Pro 2",
            "2026-10",
        )
        # The resource's modified_at travels with it, so receivers can drop stale updates.
        assert payload.data.modified_at == updated.json()["modified_at"]

        listed = await _deliveries(client, tenant, subject_kind)
        assert listed["pagination"]["total_count"] == 2
        newest = listed["items"][0]
        assert (newest["succeeded"], newest["http_code"], newest["response"]) == (
            True,
            200,
            "thanks",
        )
        event = newest["webhook_event"]
        assert (event["type"], event["succeeded"], event["last_http_code"]) == (
            "product.updated",
            True,
            200,
        )
        assert event["payload"] == updated_request.body.decode()
        assert event["id"] == updated_request.headers["webhook-id"]
        assert (event["skipped"], event["is_archived"]) == (False, False)
        filtered = await _deliveries(
            client, tenant, subject_kind, event_type="product.created", succeeded="true"
        )
        assert [d["webhook_event"]["type"] for d in filtered["items"]] == ["product.created"]
        for params in (
            {"succeeded": "false"},
            {"http_code_class": "5xx"},
            {"endpoint_id": str(uuid.uuid4())},
            {"query": "no such text anywhere"},
        ):
            assert (await _deliveries(client, tenant, subject_kind, **params))["items"] == []
        assert (await _deliveries(client, tenant, subject_kind, query="Pro 2"))["pagination"][
            "total_count"
        ] == 1
        # Another tenant sees none of it.
        assert (await _deliveries(client, other, subject_kind))["items"] == []
        bad = await client.get(
            "/v1/webhooks/deliveries",
            params={"event_type": ["product.updated", "nope"]},
            headers=tenant.headers(subject_kind),
        )
        assert error_loc(bad) == ["query", "event_type", 1]
        bad_class = await client.get(
            "/v1/webhooks/deliveries",
            params={"http_code_class": "6xx"},
            headers=tenant.headers(subject_kind),
        )
        assert error_loc(bad_class) == ["query", "http_code_class"]

    async def test_redeliver(
        self,
        client: httpx.AsyncClient,
        seeder: Seeder,
        subject_kind: str,
        receiver: Receiver,
    ) -> None:
        tenant, other = await seeder.tenant(), await seeder.tenant()
        await _create(client, tenant, subject_kind, url=receiver.url)
        product_id = await _product(client, tenant)
        await client.patch(
            f"/v1/products/{product_id}", json={"name": "Again"}, headers=tenant.headers("user")
        )
        (first,) = receiver.requests()
        event_id = first.headers["webhook-id"]
        path = f"/v1/webhooks/events/{event_id}/redeliver"
        foreign = await client.post(path, headers=other.headers(subject_kind))
        assert foreign.status_code == 404
        unknown = await client.post(
            f"/v1/webhooks/events/{uuid.uuid4()}/redeliver", headers=tenant.headers(subject_kind)
        )
        assert unknown.status_code == 404
        assert len(receiver.requests()) == 1
        response = await client.post(path, headers=tenant.headers(subject_kind))
        assert response.status_code == 202
        first, second = receiver.requests()
        assert second.headers["webhook-id"] == event_id and second.body == first.body
        listed = await _deliveries(client, tenant, subject_kind)
        assert listed["pagination"]["total_count"] == 2

    async def test_failure_is_recorded_and_retried_later(
        self,
        client: httpx.AsyncClient,
        seeder: Seeder,
        subject_kind: str,
        receiver: Receiver,
    ) -> None:
        receiver.respond = lambda request: (503, {"Retry-After": "30"}, b"x" * 5000)
        tenant = await seeder.tenant()
        await _create(client, tenant, subject_kind, url=receiver.url)
        product_id = await _product(client, tenant)
        await client.patch(
            f"/v1/products/{product_id}", json={"name": "Down"}, headers=tenant.headers("user")
        )
        (delivery,) = (await _deliveries(client, tenant, subject_kind))["items"]
        assert (delivery["succeeded"], delivery["http_code"]) == (False, 503)
        assert len(delivery["response"]) == 2048
        assert delivery["webhook_event"]["succeeded"] is False
        failed = await _deliveries(client, tenant, subject_kind, succeeded="false")
        assert failed["pagination"]["total_count"] == 1
        by_class = await _deliveries(client, tenant, subject_kind, http_code_class="5xx")
        assert by_class["pagination"]["total_count"] == 1

    async def test_organization_and_discount_events(
        self,
        client: httpx.AsyncClient,
        seeder: Seeder,
        subject_kind: str,
        receiver: Receiver,
    ) -> None:
        tenant = await seeder.tenant()
        endpoint = await _create(
            client,
            tenant,
            subject_kind,
            url=receiver.url,
            events=["organization.updated", "discount.created", "discount.deleted"],
        )
        headers = tenant.headers(subject_kind)
        renamed = await client.patch(
            f"/v1/organizations/{tenant.organization.id}", json={"name": "Renamed"}, headers=headers
        )
        assert renamed.status_code == 200, renamed.text
        discount = await client.post(
            "/v1/discounts/",
            json=tenant.body(
                subject_kind,
                {"name": "Ten", "type": "percentage", "basis_points": 1000, "duration": "once"},
            ),
            headers=headers,
        )
        assert discount.status_code == 201
        deleted = await client.delete(f"/v1/discounts/{discount.json()['id']}", headers=headers)
        assert deleted.status_code == 204
        payloads = [
            validate_event(r.body, r.headers, endpoint["secret"]) for r in receiver.requests()
        ]
        assert [type(p) for p in payloads] == [
            WebhookOrganizationUpdatedPayload,
            WebhookDiscountCreatedPayload,
            WebhookDiscountDeletedPayload,
        ]
        assert payloads[0].data.name == "Renamed"
        assert payloads[2].data.id == discount.json()["id"]
        assert json.loads(receiver.requests()[0].body)["type"] == "organization.updated"

    async def test_benefit_events_show_the_benefit_as_the_api_does(
        self,
        client: httpx.AsyncClient,
        seeder: Seeder,
        subject_kind: str,
        receiver: Receiver,
    ) -> None:
        tenant = await seeder.tenant()
        endpoint = await _create(
            client,
            tenant,
            subject_kind,
            url=receiver.url,
            events=["benefit.created", "benefit.updated"],
        )
        headers = tenant.headers(subject_kind)
        created = await client.post(
            "/v1/benefits/",
            json=tenant.body(
                subject_kind,
                {"type": "license_keys", "description": "Key", "properties": {"prefix": "K"}},
            ),
            headers=headers,
        )
        assert created.status_code == 201, created.text
        benefit = created.json()
        deleted = await client.delete(f"/v1/benefits/{benefit['id']}", headers=headers)
        assert deleted.status_code == 204
        payloads = [
            validate_event(r.body, r.headers, endpoint["secret"]) for r in receiver.requests()
        ]
        assert [type(p) for p in payloads] == [
            WebhookBenefitCreatedPayload,
            WebhookBenefitUpdatedPayload,
        ]
        # The data is the REST API's document, byte for byte in JSON terms.
        assert json.loads(receiver.requests()[0].body)["data"] == benefit
        assert payloads[1].data.is_deleted is True


async def test_only_events_an_endpoint_subscribes_to_become_jobs(database_url: str) -> None:
    """As in production: an organization without webhooks pays no fan-out job per change; once
    an endpoint subscribes, the change's event job is written and sent."""
    async with committing_app(database_url, subscribed_events_only=True) as (container, client):
        tenant = await Seeder.of(container).tenant()
        headers = tenant.headers("organization")
        queue = container.job_queue()

        async def jobs_of_a_new_product() -> list[str]:
            queue.sent.clear()
            response = await client.post(
                "/v1/products/",
                json={"name": "P", "prices": [{"amount_type": "fixed", "price_amount": 100}]},
                headers=headers,
            )
            assert response.status_code == 201, response.text
            return [job.name for job in queue.sent]

        assert "product.created" not in await jobs_of_a_new_product()
        created = await client.post(
            "/v1/webhooks/endpoints",
            json={
                "url": "https://example.com/hook",
                "format": "raw",
                "events": ["product.created"],
            },
            headers=headers,
        )
        assert created.status_code == 201, created.text
        assert "product.created" in await jobs_of_a_new_product()
