"""The httpx WebhookSender against a real HTTP server on 127.0.0.1: what it keeps of an answer,
redirects not followed, the timeout, unreachable receivers, Retry-After; and the resolver."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from adapters.http.webhooks import HttpxWebhookSender, SystemAddressResolver, parse_retry_after
from tests import services
from tests.receiver import Received, Receiver


async def test_a_2xx_with_its_excerpt_and_the_request_as_sent() -> None:
    with Receiver() as receiver:
        receiver.respond = lambda r: (202, {}, "é".encode() * 3000)
        outcome = await HttpxWebhookSender().send(
            receiver.url, {"webhook-id": "abc", "content-type": "application/json"}, b'{"a":1}'
        )
        (request,) = receiver.requests()
    assert outcome.succeeded and outcome.http_code == 202
    assert outcome.response is not None and len(outcome.response.encode()) <= 2048 + 3
    assert request.body == b'{"a":1}' and request.headers["webhook-id"] == "abc"


async def test_a_pinned_address_is_where_the_connection_goes() -> None:
    """With `address`, the host is not resolved again: a name that resolves nowhere (.invalid)
    still reaches the receiver at the address given, and the request still names the host."""
    with Receiver() as receiver:
        port = receiver.url.split(":")[2].split("/")[0]
        url = f"http://receiver.invalid:{port}/hook"
        outcome = await HttpxWebhookSender().send(url, {}, b"{}", address="127.0.0.1")
        unpinned = await HttpxWebhookSender().send(url, {}, b"{}")
        (request,) = receiver.requests()
    assert outcome.succeeded, outcome.response
    assert request.headers["host"] == f"receiver.invalid:{port}"
    assert unpinned.http_code is None  # Resolving the name itself fails.


async def test_redirects_are_failures_not_followed() -> None:
    with Receiver() as receiver:
        receiver.respond = lambda r: (302, {"Location": "http://169.254.169.254/"}, b"")
        outcome = await HttpxWebhookSender().send(receiver.url, {}, b"{}")
        assert len(receiver.requests()) == 1
    assert (outcome.succeeded, outcome.http_code) == (False, 302)


async def test_timeout_and_unreachable() -> None:
    def slow(request: Received) -> tuple[int, dict[str, str], bytes]:
        time.sleep(1.5)
        return 200, {}, b"late"

    with Receiver() as receiver:
        receiver.respond = slow
        started = time.monotonic()
        outcome = await HttpxWebhookSender(timeout=0.5).send(receiver.url, {}, b"{}")
        assert time.monotonic() - started < 1.4
    assert outcome.http_code is None and "Timed out" in (outcome.response or "")
    closed = f"http://127.0.0.1:{services.free_port()}/hook"
    outcome = await HttpxWebhookSender().send(closed, {}, b"{}")
    assert outcome.http_code is None and outcome.response


@pytest.mark.parametrize("code", [429, 503])
async def test_retry_after(code: int) -> None:
    with Receiver() as receiver:
        receiver.respond = lambda r: (code, {"Retry-After": "120"}, b"busy")
        outcome = await HttpxWebhookSender().send(receiver.url, {}, b"{}")
    assert (outcome.http_code, outcome.retry_after) == (code, 120.0)


def test_parse_retry_after() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_retry_after("30", now) == 30.0
    later = format_datetime(now + timedelta(minutes=2), usegmt=True)
    assert parse_retry_after(later, now) == 120.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


async def test_resolver() -> None:
    resolver = SystemAddressResolver()
    assert await resolver.resolve("127.0.0.1") == ["127.0.0.1"]
    assert await resolver.resolve("[::1]") == ["::1"]
    assert "127.0.0.1" in await resolver.resolve("localhost")
    with pytest.raises((LookupError, OSError)):
        await resolver.resolve("no-such-host.invalid")
