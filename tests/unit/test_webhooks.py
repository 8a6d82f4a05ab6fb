"""Webhooks on the memory harness, under a frozen clock: signing, URL rules, fan-out, the retry
schedule, Retry-After, 410, ordering, leases, disabling, notification and archiving."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from polar.v2026_10.webhooks import WebhookProductUpdatedPayload, validate_event
from standardwebhooks.webhooks import Webhook

from adapters.email.log import LoggingEmailSender
from application.kit.errors import ResourceNotFound, ResourceUnavailable, ValidationFailed
from application.kit.pagination import PaginationParams
from application.uow import UnitOfWork
from application.webhooks.commands import WebhookEndpointCreate, WebhookEndpointUpdate
from application.webhooks.delivery import (
    WEBHOOK_DELIVER,
    WEBHOOK_ENDPOINT_DISABLED,
    DeliveryPolicy,
    WebhookDeliverer,
)
from application.webhooks.fan_out import FannedOut, event_id_for
from application.webhooks.guard import UrlGuard
from application.webhooks.ports import DeliveryFilters, Rendered
from application.webhooks.service import WebhookService
from domain.errors import InvariantViolation
from domain.membership import MemberRole
from domain.webhook import (
    AttemptOutcome,
    EventStatus,
    RetrySchedule,
    WebhookEndpoint,
    address_refusal,
    generate_secret,
    signature_headers,
    signing_key,
)
from tests.unit.conftest import Harness, Tenant

ALL = PaginationParams(page=1, limit=100)
URL = "https://93.184.216.34/hooks"
SCHEDULE = RetrySchedule((10.0, 60.0, 300.0, 3600.0), jitter=0.0)


class FakeCatalogue:
    """Renders `product.updated` from a dict the test fills in."""

    def __init__(self) -> None:
        self.resources: dict[uuid.UUID, tuple[uuid.UUID, dict[str, Any]]] = {}
        self.renders = 0

    @property
    def event_types(self) -> frozenset[str]:
        return frozenset({"product.updated", "meridian.test"})

    async def render(
        self, uow: UnitOfWork, event_type: str, resource_id: uuid.UUID
    ) -> Rendered | None:
        self.renders += 1
        found = self.resources.get(resource_id)
        return None if found is None else Rendered(found[0], found[1])


class FakeResolver:
    def __init__(self) -> None:
        self.hosts: dict[str, list[str]] = {}

    async def resolve(self, host: str) -> list[str]:
        if host in self.hosts:
            return self.hosts[host]
        if host[0].isdigit() or ":" in host:
            return [host]
        raise LookupError(host)


class ScriptedSender:
    """Answers with the scripted outcomes in turn (then the last one), recording each request."""

    def __init__(self, *outcomes: AttemptOutcome) -> None:
        self.outcomes = list(outcomes) or [AttemptOutcome(200, "ok")]
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.addresses: list[str | None] = []

    async def send(
        self, url: str, headers: Mapping[str, str], body: bytes, *, address: str | None = None
    ) -> AttemptOutcome:
        self.requests.append((url, dict(headers), body))
        self.addresses.append(address)
        return self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]


class World:
    def __init__(self, harness: Harness, sender: ScriptedSender, **policy: Any) -> None:
        self.harness = harness
        self.catalogue = FakeCatalogue()
        self.resolver = FakeResolver()
        self.email = LoggingEmailSender()
        self.policy = DeliveryPolicy(schedule=SCHEDULE, order_wait=60.0, **policy)
        self.guard = UrlGuard(self.resolver, require_https=False, allow_loopback=False)
        self.service = WebhookService(
            harness.clock, self.catalogue, self.guard, self.email, self.policy
        )
        self.sender = sender
        self.deliverer = WebhookDeliverer(
            harness.uows, harness.clock, sender, self.guard, self.policy, spread=lambda: 0.5
        )
        self.sources = 0

    async def endpoint(self, tenant: Tenant, **fields: Any) -> WebhookEndpoint:
        body = {"url": URL, "format": "raw", "events": ["product.updated"], **fields}
        async with self.harness.uows.write() as uow:
            endpoint = await self.service.create_endpoint(
                uow, tenant.itself, WebhookEndpointCreate.model_validate(body)
            )
            await uow.commit()
        return endpoint

    async def emit(self, tenant: Tenant, name: str = "Pro") -> int:
        return (await self.fan_out(tenant, name)).created

    async def fan_out(self, tenant: Tenant, name: str = "Pro") -> FannedOut:
        resource = uuid.uuid4()
        self.catalogue.resources[resource] = (
            tenant.organization.id,
            {"id": str(resource), "name": name},
        )
        self.sources += 1
        async with self.harness.uows.write() as uow:
            fanned = await self.service.fan_out(
                uow, "product.updated", resource, f"job-{self.sources}"
            )
            await uow.commit()
        return fanned

    async def events(self) -> list[Any]:
        rows = self.harness.store.table("webhook_events").values()
        return sorted(rows, key=lambda e: (e.created_at, e.id.int))

    async def endpoint_state(self, id: uuid.UUID) -> WebhookEndpoint:
        async with self.harness.uows.read() as uow:
            endpoint = await uow.webhook_endpoints.get(id)
        assert endpoint is not None
        return endpoint

    def real_time(self) -> None:
        """Move the frozen clock to now: verifiers check the signed timestamp against theirs."""
        self.harness.clock.at = datetime.now(UTC)

    def advance(self, seconds: float) -> None:
        self.harness.clock.advance(timedelta(seconds=seconds))


@pytest.fixture
def world(harness: Harness) -> World:
    return World(harness, ScriptedSender())


# --- signing ------------------------------------------------------------------------------------


def test_secret_is_whsec_and_base64_of_32_random_bytes() -> None:
    secret = generate_secret()
    assert secret.startswith("whsec_")
    assert len(signing_key(secret)) == 32
    assert generate_secret() != secret


def test_both_verifiers_accept_the_signature() -> None:
    secret = generate_secret()
    body = json.dumps(
        {
            "type": "meridian.unknown",
            "timestamp": "2026-01-01T00:00:00Z",
            "api_version": "2026-10",
            "data": {},
        }
    ).encode()
    now = int(time.time())
    headers = signature_headers(secret, "msg_1", now, body)
    # The Standard Webhooks library keys the HMAC with the decoded secret only.
    assert Webhook(secret).verify(body, headers)["type"] == "meridian.unknown"
    # Tampering breaks it.
    with pytest.raises(Exception, match="signature"):
        Webhook(secret).verify(body + b" ", headers)
    # A secret keyed as text (Polar's legacy way) would not pass the library: we key with bytes.
    assert headers["webhook-signature"].startswith("v1,")


# --- URL rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("93.184.216.34", False),
        ("2606:2800:220:1:248:1893:25c8:1946", False),
        ("127.0.0.1", True),
        ("::1", True),
        ("10.1.2.3", True),
        ("172.16.0.1", True),
        ("192.168.1.1", True),
        ("169.254.169.254", True),  # cloud metadata
        ("fe80::1", True),
        ("224.0.0.1", True),
        ("ff02::1", True),
        ("0.0.0.0", True),
        ("240.0.0.1", True),
        ("100.64.0.1", True),  # shared address space (CGNAT)
        ("::ffff:127.0.0.1", True),  # loopback dressed as IPv6
        ("fc00::1", True),
        ("64:ff9b::7f00:1", True),  # NAT64
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", True),  # Teredo
        # 6to4 (2002::/16) carries an IPv4 address in its next 32 bits: judged by it.
        ("2002:7f00:1::", True),  # 127.0.0.1
        ("2002:c0a8:101::1", True),  # 192.168.1.1
        ("2002:a9fe:a9fe::1", True),  # 169.254.169.254
        ("2002:a00:1::", True),  # 10.0.0.1
        ("2002:5db8:d822::1", False),  # 93.184.216.34
    ],
)
def test_address_rules(address: str, refused: bool) -> None:
    assert (address_refusal(address, allow_loopback=False) is not None) is refused


def test_loopback_only_when_allowed() -> None:
    assert address_refusal("127.0.0.1", allow_loopback=True) is None
    assert address_refusal("::1", allow_loopback=True) is None
    assert address_refusal("10.0.0.1", allow_loopback=True) is not None
    # Loopback through a 6to4 relay is no receiver on this machine.
    assert address_refusal("2002:7f00:1::", allow_loopback=True) is not None


@pytest.mark.parametrize(
    "url",
    [
        "https://93.184.216.34/hook\r\nX-Injected: 1",
        "https://93.184.216.34/ho\nok",
        "https://93.184.216.34/ho\rok",
        "https://93.184.216.34/ho\tok",
        "https://93.184.216.34/ho ok",
        "https://93.184.216.34/hook ",
        " https://93.184.216.34/hook",
        "https://93.184.216.34/ho\x7fok",
        "https://93.184.216.34/ho\x0bok",
        "https://93.184.216.34/ho\x1bok",
        "https://93.184.216.34/ho\u00a0ok",  # no-break space
        "https://93.184.216.34/ho\u2028ok",  # line separator
        "https://93.184.216.34/ho\u0085ok",  # next line (C1)
        "https://hooks.exa mple.com/",
    ],
)
async def test_control_characters_and_whitespace_are_refused(url: str) -> None:
    resolver = FakeResolver()
    resolver.hosts["hooks.exa mple.com"] = ["93.184.216.34"]
    guard = UrlGuard(resolver, require_https=False, allow_loopback=False)
    refusal = await guard.refusal(url)
    assert refusal is not None and "whitespace or control" in refusal


async def test_a_host_that_cannot_be_encoded_is_refused() -> None:
    """The system resolver fails to encode a label over 63 characters (a UnicodeError, not an
    OSError): a refusal, not a crash."""
    from adapters.http.webhooks import SystemAddressResolver

    guard = UrlGuard(SystemAddressResolver(), require_https=False, allow_loopback=False)
    assert "resolve" in (await guard.refusal("https://" + "a" * 64 + ".com/") or "")


async def test_url_guard() -> None:
    resolver = FakeResolver()
    resolver.hosts["hooks.example.com"] = ["93.184.216.34"]
    resolver.hosts["inside.example.com"] = ["93.184.216.34", "10.0.0.5"]
    production = UrlGuard(resolver, require_https=True, allow_loopback=False)
    development = UrlGuard(resolver, require_https=False, allow_loopback=True)
    assert await production.refusal("https://hooks.example.com/x") is None
    assert "https" in (await production.refusal("http://hooks.example.com/x") or "")
    assert "10.0.0.5" in (await production.refusal("https://inside.example.com/") or "")
    assert "resolve" in (await production.refusal("https://nowhere.example.com/") or "")
    assert await production.refusal("https://nowhere.example.com/", unresolved_ok=True) is None
    assert "10.0.0.5" in (
        await production.refusal("https://inside.example.com/", unresolved_ok=True) or ""
    )
    assert await production.refusal("ftp://hooks.example.com/") is not None
    assert await production.refusal("https://user:pw@hooks.example.com/") is not None
    assert await production.refusal("https://127.0.0.1/") is not None
    assert await development.refusal("http://127.0.0.1:8080/hook") is None
    assert await development.refusal("http://[::1]:8080/hook") is None
    assert await development.refusal("http://192.168.0.10/hook") is not None


# --- endpoints ----------------------------------------------------------------------------------


async def test_create_endpoint_checks_url_and_event_types(harness: Harness, world: World) -> None:
    tenant = await harness.tenant()
    endpoint = await world.endpoint(tenant, events=["product.updated", "order.paid"])
    assert endpoint.events == ["product.updated", "order.paid"]  # order.paid: ahead of its module
    assert endpoint.secret.startswith("whsec_") and endpoint.enabled
    with pytest.raises(ValidationFailed) as refused:
        await world.endpoint(tenant, url="https://10.0.0.1/hook")
    assert refused.value.errors[0].loc == ("body", "url")
    with pytest.raises(ValidationFailed) as unknown:
        await world.endpoint(tenant, events=["product.updated", "nope.created"])
    assert unknown.value.errors[0].loc == ("body", "events", 1)
    async with harness.uows.read() as uow:
        page = await world.service.list_endpoints(uow, tenant.owner, pagination=ALL)
    assert [e.id for e in page.items] == [endpoint.id]


async def test_an_endpoint_whose_host_does_not_resolve_yet_is_saved_and_tried_later(
    harness: Harness, world: World
) -> None:
    # A merchant saves the endpoint before the DNS record is live.
    tenant = await harness.tenant()
    endpoint = await world.endpoint(tenant, url="https://soon.example.com/hook")
    assert endpoint.url == "https://soon.example.com/hook"
    await world.emit(tenant)
    await world.deliverer.deliver(endpoint.id)
    assert world.sender.requests == []  # not sent while it does not resolve: a failed attempt
    (event,) = await world.events()
    assert event.attempts == 1 and event.status is EventStatus.pending
    world.resolver.hosts["soon.example.com"] = ["93.184.216.34"]
    harness.clock.advance(timedelta(seconds=max(SCHEDULE.delays) * 2))
    await world.deliverer.deliver(endpoint.id)
    assert [url for url, _, _ in world.sender.requests] == ["https://soon.example.com/hook"]


async def test_update_rotate_delete_and_tenancy(harness: Harness, world: World) -> None:
    tenant, other = await harness.tenant(), await harness.tenant()
    endpoint = await world.endpoint(tenant)
    async with harness.uows.write() as uow:
        updated = await world.service.update_endpoint(
            uow,
            tenant.owner,
            endpoint.id,
            WebhookEndpointUpdate(name="Main", format="slack", enabled=False),  # type: ignore[arg-type]
        )
        rotated = await world.service.rotate_secret(uow, tenant.owner, endpoint.id)
        await uow.commit()
    assert (updated.name, updated.format.value, updated.enabled) == ("Main", "slack", False)
    assert rotated.secret != endpoint.secret
    async with harness.uows.write() as uow:
        with pytest.raises(ResourceNotFound):
            await world.service.get_endpoint(uow, other.owner, endpoint.id)
        with pytest.raises(ResourceNotFound):
            await world.service.delete_endpoint(uow, other.itself, endpoint.id)
        await world.service.delete_endpoint(uow, tenant.itself, endpoint.id)
        await uow.commit()
    async with harness.uows.read() as uow:
        with pytest.raises(ResourceNotFound):
            await world.service.get_endpoint(uow, tenant.owner, endpoint.id)


# --- fan-out and delivery -----------------------------------------------------------------------


async def test_fan_out_once_per_subscribed_enabled_endpoint(harness: Harness, world: World) -> None:
    tenant, other = await harness.tenant(), await harness.tenant()
    first = await world.endpoint(tenant)
    await world.endpoint(tenant, events=["order.paid"])  # not subscribed
    disabled = await world.endpoint(tenant)
    async with harness.uows.write() as uow:
        await world.service.update_endpoint(
            uow, tenant.owner, disabled.id, WebhookEndpointUpdate(enabled=False)
        )
        await uow.commit()
    await world.endpoint(other)  # another tenant's
    # Nothing was pending for the endpoint: the fan-out's caller starts sending to it.
    assert await world.fan_out(tenant) == FannedOut(1, (first.id,))
    (event,) = await world.events()
    assert event.endpoint_id == first.id and event.status is EventStatus.pending
    body = json.loads(event.payload)
    assert set(body) == {"type", "timestamp", "api_version", "data"}
    assert (body["type"], body["api_version"], body["data"]["name"]) == (
        "product.updated",
        "2026-10",
        "Pro",
    )
    # The same job run again stores nothing new.
    async with harness.uows.write() as uow:
        resource = next(iter(world.catalogue.resources))
        again = await world.service.fan_out(uow, "product.updated", resource, "job-1")
        await uow.commit()
    assert again == FannedOut() and len(await world.events()) == 1
    assert event.id == event_id_for("job-1", first.id)


async def test_a_job_naming_its_organization_loads_nothing_without_endpoints(
    harness: Harness, world: World
) -> None:
    quiet, listening = await harness.tenant(), await harness.tenant()
    await world.endpoint(listening)
    for tenant in (quiet, listening):
        resource = uuid.uuid4()
        world.catalogue.resources[resource] = (tenant.organization.id, {"id": str(resource)})
        async with harness.uows.write() as uow:
            stored = await world.service.fan_out(
                uow, "product.updated", resource, f"job-{resource}", tenant.organization.id
            )
            await uow.commit()
        assert stored.created == (1 if tenant is listening else 0)
    # Only the listening organization's resource was loaded and rendered.
    assert world.catalogue.renders == 1
    (event,) = await world.events()
    assert event.organization_id == listening.organization.id


async def test_delivery_is_signed_and_recorded(harness: Harness, world: World) -> None:
    tenant = await harness.tenant()
    endpoint = await world.endpoint(tenant)
    await world.emit(tenant)
    world.real_time()
    assert await world.deliverer.deliver(endpoint.id) == 1
    ((url, headers, body),) = world.sender.requests
    assert url == URL
    # Signed over the real time here: the verifiers check the timestamp against theirs.
    assert Webhook(endpoint.secret).verify(body, headers)["type"] == "product.updated"
    (event,) = await world.events()
    assert (event.status, event.succeeded, event.attempts) == (EventStatus.succeeded, True, 1)
    async with harness.uows.read() as uow:
        page = await world.service.list_deliveries(
            uow, tenant.owner, DeliveryFilters(), pagination=ALL
        )
    ((delivery, shown),) = page.items
    assert (delivery.succeeded, delivery.http_code, delivery.response) == (True, 200, "ok")
    assert shown.id == event.id
    assert await world.deliverer.deliver(endpoint.id) == 0  # nothing left


async def test_sdk_helper_accepts_the_delivery(harness: Harness, world: World) -> None:
    tenant = await harness.tenant()
    endpoint = await world.endpoint(tenant)
    resource = uuid.uuid4()
    world.catalogue.resources[resource] = (tenant.organization.id, _sdk_product(tenant, resource))
    async with harness.uows.write() as uow:
        await world.service.fan_out(uow, "product.updated", resource, "job-sdk")
        await uow.commit()
    world.real_time()
    await world.deliverer.deliver(endpoint.id)
    ((_, headers, body),) = world.sender.requests
    payload = validate_event(body, headers, endpoint.secret)
    assert isinstance(payload, WebhookProductUpdatedPayload)
    assert payload.data.id == str(resource)


def _sdk_product(tenant: Tenant, id: uuid.UUID) -> dict[str, Any]:
    return {
        "id": str(id),
        "created_at": "2026-01-01T00:00:00Z",
        "modified_at": "2026-01-02T00:00:00Z",
        "trial_interval": None,
        "trial_interval_count": None,
        "name": "Pro",
        "description": None,
        "visibility": "public",
        "recurring_interval": None,
        "recurring_interval_count": None,
        "meter_interval": None,
        "meter_interval_count": None,
        "is_recurring": False,
        "is_archived": False,
        "organization_id": str(tenant.organization.id),
        "metadata": {},
        "is_deletable": True,
        "prices": [],
        "benefits": [],
        "medias": [],
        "attached_custom_fields": [],
    }


async def test_retry_schedule_under_a_frozen_clock(harness: Harness) -> None:
    world = World(harness, ScriptedSender(AttemptOutcome(500, "boom")))
    tenant = await harness.tenant()
    endpoint = await world.endpoint(tenant)
    await world.emit(tenant)
    start = harness.clock.now()
    assert await world.deliverer.deliver(endpoint.id) == 1
    # Each wait, to the second: nothing is sent a second early, and it is sent when due.
    for delay in SCHEDULE.delays:
        world.advance(delay - 1)
        assert await world.deliverer.deliver(endpoint.id) == 0
        world.advance(1)
        assert await world.deliverer.deliver(endpoint.id) == 1
    (event,) = await world.events()
    assert (event.status, event.attempts, event.succeeded) == (
        EventStatus.failed,
        SCHEDULE.max_attempts,
        False,
    )
    assert harness.clock.now() - start == SCHEDULE.span
    world.advance(10**6)
    assert await world.deliverer.deliver(endpoint.id) == 0
    assert (await world.endpoint_state(endpoint.id)).consecutive_failures == 1
    async with harness.uows.read() as uow:
        page = await world.service.list_deliveries(
            uow, tenant.owner, DeliveryFilters(succeeded=False), pagination=ALL
        )
    assert page.total_count == SCHEDULE.max_attempts
    assert {d.http_code for d, _ in page.items} == {500}


def test_default_schedule_spans_about_three_days_with_jitter() -> None:
    policy = DeliveryPolicy()
    assert timedelta(days=2.5) < policy.schedule.span < timedelta(days=3.5)
    delays = policy.schedule.delays
    assert delays[0] < 60 and any(60 <= d < 3600 for d in delays) and delays[-1] >= 3600
    assert list(delays) == sorted(delays)
    jittered = RetrySchedule((100.0,), jitter=0.1)
    assert jittered.delay(1, 0.0, None) == 100.0
    assert jittered.delay(1, 0.999, None) == pytest.approx(109.99)
    assert jittered.delay(2, 0.5, None) is None
    with pytest.raises(InvariantViolation):
        RetrySchedule(())


@pytest.mark.parametrize(("code", "honoured"), [(429, True), (503, True), (500, False)])
async def test_retry_after_on_429_and_503(harness: Harness, code: int, honoured: bool) -> None:
    world = World(harness, ScriptedSender(AttemptOutcome(code, "slow down", retry_after=120)))
    tenant = await harness.tenant()
    endpoint = await world.endpoint(tenant)
    await world.emit(tenant)
    sent_at = harness.clock.now()
    await world.deliverer.deliver(endpoint.id)
    (event,) = await world.events()
    expected = 120 if honoured else SCHEDULE.delays[0]
    assert event.next_attempt_at == sent_at + timedelta(seconds=expected)


async def test_retry_after_is_capped_by_the_longest_step(harness: Harness) -> None:
    world = World(harness, ScriptedSender(AttemptOutcome(429, "", retry_after=10**9)))
    tenant = await harness.tenant()
    endpoint = await world.endpoint(tenant)
    await world.emit(tenant)
    at = harness.clock.now()
    await world.deliverer.deliver(endpoint.id)
    (event,) = await world.events()
    assert event.next_attempt_at == at + timedelta(seconds=max(SCHEDULE.delays))


async def test_gone_disables_the_endpoint_and_tells_the_owners(harness: Harness) -> None:
    world = World(harness, ScriptedSender(AttemptOutcome(410, "gone")))
    tenant = await harness.tenant()
    await harness.member(tenant, MemberRole.owner, email="second-owner@example.com")
    await harness.member(tenant, MemberRole.member, email="member@example.com")
    endpoint = await world.endpoint(tenant)
    await world.emit(tenant)
    await world.deliverer.deliver(endpoint.id)
    (event,) = await world.events()
    assert event.status is EventStatus.failed and event.attempts == 1
    assert not (await world.endpoint_state(endpoint.id)).enabled
    assert harness.queue.sent[-1].name == WEBHOOK_ENDPOINT_DISABLED
    async with harness.uows.write() as uow:
        told = await world.service.notify_disabled(uow, endpoint.id)
    assert sorted(told) == sorted([tenant.email, "second-owner@example.com"])
    ((to, subject, _),) = world.email.sent
    assert sorted(to) == sorted(told) and "disabled" in subject
    # Events for a disabled endpoint are no longer created.
    assert await world.emit(tenant) == 0


async def test_ten_failed_events_in_a_row_disable_the_endpoint(harness: Harness) -> None:
    schedule = RetrySchedule((1.0,), jitter=0.0)
    world = World(harness, ScriptedSender(AttemptOutcome(None, "connection refused")))
    world.deliverer.policy = DeliveryPolicy(schedule=schedule, order_wait=0.0)
    tenant = await harness.tenant()
    endpoint = await world.endpoint(tenant)
    for n in range(10):
        await world.emit(tenant)
        await world.deliverer.deliver(endpoint.id)
        world.advance(1)
        await world.deliverer.deliver(endpoint.id)
        state = await world.endpoint_state(endpoint.id)
        assert state.consecutive_failures == n + 1
        assert state.enabled is (n < 9)
    assert [j.name for j in harness.queue.sent].count(WEBHOOK_ENDPOINT_DISABLED) == 1


class RaisingSender(ScriptedSender):
    """A sender that fails in a way no sender should: it raises."""

    async def send(
        self, url: str, headers: Mapping[str, str], body: bytes, *, address: str | None = None
    ) -> AttemptOutcome:
        await super().send(url, headers, body, address=address)
        raise RuntimeError("the sender broke")


async def test_a_sender_that_raises_is_a_failed_attempt(harness: Harness) -> None:
    """Any error while sending is recorded as a failed attempt, retried on the schedule, and
    counts toward disabling the endpoint: it never leaves the event unrecorded to be swept up
    again forever."""
    schedule = RetrySchedule((10.0,), jitter=0.0)
    world = World(harness, RaisingSender())
    world.deliverer.policy = DeliveryPolicy(schedule=schedule, order_wait=0.0, disable_after=2)
    tenant = await harness.tenant()
    endpoint = await world.endpoint(tenant)
    await world.emit(tenant)
    assert await world.deliverer.deliver(endpoint.id) == 1
    (event,) = await world.events()
    assert (event.status, event.attempts) == (EventStatus.pending, 1)
    assert event.next_attempt_at == harness.clock.now() + timedelta(seconds=10)
    (delivery,) = harness.store.table("webhook_deliveries").values()
    assert (delivery.succeeded, delivery.http_code) == (False, None)
    assert "RuntimeError" in delivery.response
    world.advance(10)
    assert await world.deliverer.deliver(endpoint.id) == 1
    (event,) = await world.events()
    assert event.status is EventStatus.failed
    assert (await world.endpoint_state(endpoint.id)).consecutive_failures == 1
    await world.emit(tenant)
    await world.deliverer.deliver(endpoint.id)
    world.advance(10)
    await world.deliverer.deliver(endpoint.id)
    assert (await world.endpoint_state(endpoint.id)).enabled is False
    assert [j.name for j in harness.queue.sent].count(WEBHOOK_ENDPOINT_DISABLED) == 1


async def test_a_stored_url_with_a_line_break_is_a_failed_attempt(harness: Harness) -> None:
    """A URL saved before such URLs were refused is never sent (its line break could inject a
    header): each attempt is recorded as failed and retried on the schedule."""
    world = World(harness, ScriptedSender())
    tenant = await harness.tenant()
    endpoint = await world.endpoint(tenant)
    async with harness.uows.write() as uow:
        stored = await uow.webhook_endpoints.get(endpoint.id)
        assert stored is not None
        stored.url = URL + "\r\nX-Injected: 1"
        await uow.webhook_endpoints.update(stored)
        await uow.commit()
    await world.emit(tenant)
    assert await world.deliverer.deliver(endpoint.id) == 1
    assert world.sender.requests == []
    (event,) = await world.events()
    assert (event.status, event.attempts) == (EventStatus.pending, 1)
    assert event.next_attempt_at == harness.clock.now() + timedelta(seconds=SCHEDULE.delays[0])
    (delivery,) = harness.store.table("webhook_deliveries").values()
    assert delivery.succeeded is False and "control" in delivery.response


async def test_a_success_resets_the_failure_count(harness: Harness) -> None:
    schedule = RetrySchedule((1.0,), jitter=0.0)
    sender = ScriptedSender(
        AttemptOutcome(500, ""), AttemptOutcome(500, ""), AttemptOutcome(204, "")
    )
    world = World(harness, sender)
    world.deliverer.policy = DeliveryPolicy(schedule=schedule, order_wait=0.0)
    tenant = await harness.tenant()
    endpoint = await world.endpoint(tenant)
    await world.emit(tenant)
    await world.deliverer.deliver(endpoint.id)
    world.advance(1)
    await world.deliverer.deliver(endpoint.id)
    assert (await world.endpoint_state(endpoint.id)).consecutive_failures == 1
    await world.emit(tenant)
    await world.deliverer.deliver(endpoint.id)
    assert (await world.endpoint_state(endpoint.id)).consecutive_failures == 0


async def test_newer_events_wait_for_an_older_pending_one_then_go(harness: Harness) -> None:
    sender = ScriptedSender(AttemptOutcome(500, ""), AttemptOutcome(200, ""))
    world = World(harness, sender)
    tenant = await harness.tenant()
    endpoint = await world.endpoint(tenant)
    await world.emit(tenant, "first")
    world.advance(1)
    await world.emit(tenant, "second")
    # The first fails (retry in 10 s); the second waits behind it.
    assert await world.deliverer.deliver(endpoint.id) == 1
    world.advance(10)
    # The first is due again and goes first, then the second right after.
    assert await world.deliverer.deliver(endpoint.id) == 2
    names = [json.loads(body)["data"]["name"] for _, _, body in sender.requests]
    assert names == ["first", "first", "second"]


async def test_the_wait_is_bounded(harness: Harness) -> None:
    world = World(harness, ScriptedSender(AttemptOutcome(500, "")))
    tenant = await harness.tenant()
    endpoint = await world.endpoint(tenant)
    await world.emit(tenant, "stuck")
    await world.deliverer.deliver(endpoint.id)  # fails, next attempt in 10 s
    world.sender.outcomes = [AttemptOutcome(200, "")]
    world.advance(1)
    await world.emit(tenant, "newer")
    world.advance(5)
    # The older one is not due and the newer has waited 5 s of 60: nothing goes.
    async with harness.uows.write() as uow:
        uow.webhook_events  # noqa: B018 - the repository under test below
        stuck = await uow.webhook_events.get(event_id_for("job-1", endpoint.id))
        assert stuck is not None
        stuck.next_attempt_at = harness.clock.now() + timedelta(hours=1)
        await uow.webhook_events.update(stuck)
        await uow.commit()
    assert await world.deliverer.deliver(endpoint.id) == 0
    world.advance(55)
    assert await world.deliverer.deliver(endpoint.id) == 1
    assert json.loads(world.sender.requests[-1][2])["data"]["name"] == "newer"


async def test_a_dead_workers_lease_expires(harness: Harness, world: World) -> None:
    tenant = await harness.tenant()
    endpoint = await world.endpoint(tenant)
    await world.emit(tenant)
    now = harness.clock.now()
    async with harness.uows.write() as uow:
        claimed = await uow.webhook_events.claim_next(
            endpoint.id, now, now + world.policy.lease, world.policy.order_wait
        )
        await uow.commit()
    assert claimed is not None
    # The worker that claimed it died: nobody else may send it until the lease runs out…
    assert await world.deliverer.deliver(endpoint.id) == 0
    async with harness.uows.write() as uow:
        assert await world.service.dispatch_due(uow) == 0
    world.advance(world.policy.lease.total_seconds() + 1)
    # …then the sweeper queues it and a worker sends it.
    async with harness.uows.write() as uow:
        assert await world.service.dispatch_due(uow) == 1
        await uow.commit()
    assert harness.queue.sent[-1].arguments == {"endpoint_id": str(endpoint.id)}
    assert await world.deliverer.deliver(endpoint.id) == 1


async def test_sweeper_queues_due_retries_once(harness: Harness) -> None:
    world = World(harness, ScriptedSender(AttemptOutcome(500, "")))
    tenant = await harness.tenant()
    endpoint = await world.endpoint(tenant)
    await world.emit(tenant)
    await world.deliverer.deliver(endpoint.id)
    async with harness.uows.write() as uow:
        assert await world.service.dispatch_due(uow) == 0  # not due yet
    world.advance(10)
    async with harness.uows.write() as uow:
        assert await world.service.dispatch_due(uow) == 1
        assert await world.service.dispatch_due(uow) == 0  # already queued
        await uow.commit()


async def test_disabled_or_deleted_endpoint_skips_its_events(
    harness: Harness, world: World
) -> None:
    tenant = await harness.tenant()
    endpoint = await world.endpoint(tenant)
    await world.emit(tenant)
    async with harness.uows.write() as uow:
        await world.service.delete_endpoint(uow, tenant.owner, endpoint.id)
        await uow.commit()
    assert await world.deliverer.deliver(endpoint.id) == 0
    (event,) = await world.events()
    assert (event.status, event.skipped) == (EventStatus.skipped, True)
    assert world.sender.requests == []


async def test_dns_checked_at_send_time(harness: Harness, world: World) -> None:
    tenant = await harness.tenant()
    world.resolver.hosts["hooks.example.com"] = ["93.184.216.34"]
    endpoint = await world.endpoint(tenant, url="https://hooks.example.com/in")
    await world.emit(tenant)
    world.resolver.hosts["hooks.example.com"] = ["169.254.169.254"]  # rebinding
    await world.deliverer.deliver(endpoint.id)
    assert world.sender.requests == []
    async with harness.uows.read() as uow:
        page = await world.service.list_deliveries(
            uow, tenant.owner, DeliveryFilters(), pagination=ALL
        )
    ((delivery, _),) = page.items
    assert delivery.http_code is None and "169.254.169.254" in (delivery.response or "")


async def test_the_connection_goes_to_the_address_checked_at_send_time(
    harness: Harness, world: World
) -> None:
    """The sender is told which checked address to connect to: it does not resolve the host a
    second time, when the answer could have changed to an inside address."""
    tenant = await harness.tenant()
    world.resolver.hosts["hooks.example.com"] = ["93.184.216.34"]
    endpoint = await world.endpoint(tenant, url="https://hooks.example.com/in")
    world.resolver.hosts["hooks.example.com"] = ["93.184.216.35"]
    await world.emit(tenant)
    assert await world.deliverer.deliver(endpoint.id) == 1
    assert [url for url, _, _ in world.sender.requests] == ["https://hooks.example.com/in"]
    assert world.sender.addresses == ["93.184.216.35"]


async def test_redeliver_and_archive(harness: Harness, world: World) -> None:
    tenant, other = await harness.tenant(), await harness.tenant()
    endpoint = await world.endpoint(tenant)
    await world.emit(tenant)
    await world.deliverer.deliver(endpoint.id)
    (event,) = await world.events()
    async with harness.uows.write() as uow:
        with pytest.raises(ResourceNotFound):
            await world.service.redeliver(uow, other.owner, event.id)
        await world.service.redeliver(uow, tenant.itself, event.id)
        await uow.commit()
    assert await world.deliverer.deliver(endpoint.id) == 1
    assert len(world.sender.requests) == 2
    assert world.sender.requests[0][2] == world.sender.requests[1][2]  # the same body
    assert world.sender.requests[0][1]["webhook-id"] == world.sender.requests[1][1]["webhook-id"]
    world.advance(89 * 86400)
    async with harness.uows.write() as uow:
        assert await world.service.archive(uow) == 0
        await uow.commit()
    world.advance(2 * 86400)
    async with harness.uows.write() as uow:
        assert await world.service.archive(uow) == 1
        await uow.commit()
    (event,) = await world.events()
    assert (event.is_archived, event.payload) == (True, None)
    async with harness.uows.write() as uow:
        with pytest.raises(ResourceUnavailable):
            await world.service.redeliver(uow, tenant.owner, event.id)


async def test_response_excerpt_is_at_most_2_kib(harness: Harness) -> None:
    world = World(harness, ScriptedSender(AttemptOutcome(200, "é" * 5000)))
    tenant = await harness.tenant()
    endpoint = await world.endpoint(tenant)
    await world.emit(tenant)
    await world.deliverer.deliver(endpoint.id)
    (delivery,) = harness.store.table("webhook_deliveries").values()
    assert len(delivery.response.encode()) <= 2048 and delivery.response.startswith("éé")


async def test_discord_and_slack_formats(harness: Harness, world: World) -> None:
    tenant = await harness.tenant()
    discord = await world.endpoint(tenant, format="discord")
    slack = await world.endpoint(tenant, format="slack")
    await world.emit(tenant, "Pro")
    bodies = {e.endpoint_id: json.loads(e.payload) for e in await world.events()}
    assert "Pro" in bodies[discord.id]["content"]
    assert "product.updated" in bodies[slack.id]["text"]


async def test_a_busy_endpoint_gets_no_second_job_and_the_sweeper_covers(
    harness: Harness,
) -> None:
    world = World(harness, ScriptedSender(AttemptOutcome(500, "")))
    tenant = await harness.tenant()
    endpoint = await world.endpoint(tenant)
    assert (await world.fan_out(tenant, "first")).idle == (endpoint.id,)
    jobs = [j.name for j in harness.queue.sent].count(WEBHOOK_DELIVER)
    await world.deliverer.deliver(endpoint.id)  # fails: pending, retry in 10 s
    # The endpoint has a pending event: the new one waits its turn, nobody sends it now.
    assert await world.fan_out(tenant, "second") == FannedOut(1, ())
    assert [j.name for j in harness.queue.sent].count(WEBHOOK_DELIVER) == jobs
    world.advance(10)
    async with harness.uows.write() as uow:
        assert await world.service.dispatch_due(uow) == 1
        await uow.commit()
    world.sender.outcomes = [AttemptOutcome(200, "")]
    assert await world.deliverer.deliver(endpoint.id) == 2


async def test_a_fan_out_can_lease_an_idle_endpoints_event_to_its_caller(
    harness: Harness, world: World
) -> None:
    tenant = await harness.tenant()
    endpoint = await world.endpoint(tenant)
    resource = uuid.uuid4()
    world.catalogue.resources[resource] = (tenant.organization.id, {"id": str(resource)})
    async with harness.uows.write() as uow:
        fanned = await world.service.fan_out(uow, "product.updated", resource, "job-1", claim=True)
        await uow.commit()
    event, leased_to = fanned.claimed[endpoint.id]
    assert leased_to.id == endpoint.id
    assert event.locked_until == harness.clock.now() + world.policy.lease
    # Nobody else takes it while the caller holds it…
    assert await world.deliverer.deliver(endpoint.id) == 0
    # …and the caller sends it without claiming it again.
    assert await world.deliverer.deliver_each(fanned.idle, fanned.claimed) == 1
    assert len(world.sender.requests) == 1
    (stored,) = await world.events()
    assert stored.status is EventStatus.succeeded


async def test_a_job_out_of_budget_hands_over_to_a_new_one(harness: Harness) -> None:
    world = World(harness, ScriptedSender(), batch=2)
    world.deliverer.policy = world.policy
    tenant = await harness.tenant()
    endpoint = await world.endpoint(tenant)
    for _ in range(3):
        await world.emit(tenant)
    before = [j.name for j in harness.queue.sent].count(WEBHOOK_DELIVER)
    assert await world.deliverer.deliver(endpoint.id) == 2
    assert [j.name for j in harness.queue.sent].count(WEBHOOK_DELIVER) == before + 1
    assert await world.deliverer.deliver(endpoint.id) == 1
    assert [j.name for j in harness.queue.sent].count(WEBHOOK_DELIVER) == before + 1


# --- settings -----------------------------------------------------------------------------------


def test_webhook_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from entrypoints.modules.webhooks import _delivery_policy, _url_guard
    from entrypoints.settings import Environment, Settings

    monkeypatch.setenv("MERIDIAN_WEBHOOK_RETRY_DELAYS", "[1, 2.5, 30]")
    monkeypatch.setenv("MERIDIAN_WEBHOOK_RETRY_JITTER", "0")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    policy = _delivery_policy(settings)
    assert policy.schedule.delays == (1.0, 2.5, 30.0) and policy.schedule.max_attempts == 4
    assert policy.archive_after == timedelta(days=90) and policy.disable_after == 10
    # Loopback is off by default, and https is required in production only.
    guard = _url_guard(settings, FakeResolver())  # type: ignore[arg-type]
    assert (guard.allow_loopback, guard.require_https) == (False, False)
    production = Settings(  # type: ignore[call-arg]
        _env_file=None,
        env=Environment.production,
        database_url="postgresql://db/x",
        secret="s" * 40,
    )
    assert _url_guard(production, FakeResolver()).require_https  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="MERIDIAN_WEBHOOK_ALLOW_LOOPBACK"):
        Settings(  # type: ignore[call-arg]
            _env_file=None,
            env=Environment.production,
            database_url="postgresql://db/x",
            secret="s" * 40,
            webhook_allow_loopback=True,
        )
    monkeypatch.setenv("MERIDIAN_WEBHOOK_RETRY_DELAYS", "[]")
    with pytest.raises(ValidationError):
        Settings(_env_file=None)  # type: ignore[call-arg]
