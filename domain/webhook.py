"""Webhooks: endpoints a merchant registers, the events sent to them and each delivery attempt.

Rules kept here:

- An endpoint has a URL, an optional name, a payload format (`raw`, `discord`, `slack`), the
  event types it subscribes to (at least one, no duplicates), a secret and an enabled flag.
- The secret is `whsec_` + base64 of 32 random bytes. As the Standard Webhooks specification
  says, the HMAC key is the decoded bytes (not the text of the secret).
- A signature is `v1,` + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")).
- A webhook event is one payload for one endpoint. It is `pending` until an attempt succeeds
  (`succeeded`), the retry schedule is exhausted or the receiver answers 410 Gone (`failed`), or
  the endpoint is disabled or deleted before it is sent (`skipped`).
- Only 2xx is success. After the n-th failed attempt the next one is due `schedule[n-1]`
  seconds later (plus up to `jitter` of it at random), or after the receiver's `Retry-After`
  on 429/503 (capped by the schedule's longest step); with the schedule exhausted the event fails.
- An endpoint whose `disable_after` consecutive events failed is disabled; so is one that
  answered 410 Gone.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.base import Entity
from domain.errors import InvariantViolation

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
SECRET_BYTES = 32
URL_MAX_LENGTH = 2048
NAME_MAX_LENGTH = 256
DEFAULT_API_VERSION = "2026-10"
RESPONSE_EXCERPT_BYTES = 2048

# Polar's event types (the client's `WebhookEventType`), the vocabulary endpoints subscribe to.
# Which of them Meridian emits is decided by the modules that register them with the webhook
# catalogue; an endpoint may subscribe ahead to a type whose module does not exist yet.
POLAR_EVENT_TYPES: tuple[str, ...] = (
    "checkout.created",
    "checkout.updated",
    "checkout.expired",
    "customer.created",
    "customer.updated",
    "customer.deleted",
    "customer.state_changed",
    "customer_seat.assigned",
    "customer_seat.claimed",
    "customer_seat.revoked",
    "member.created",
    "member.updated",
    "member.deleted",
    "order.created",
    "order.updated",
    "order.paid",
    "order.refunded",
    "subscription.created",
    "subscription.updated",
    "subscription.active",
    "subscription.canceled",
    "subscription.uncanceled",
    "subscription.cycled",
    "subscription.revoked",
    "subscription.past_due",
    "subscription.paused",
    "subscription.resumed",
    "subscription.migrated",
    "refund.created",
    "refund.updated",
    "product.created",
    "product.updated",
    "discount.created",
    "discount.updated",
    "discount.deleted",
    "benefit.created",
    "benefit.updated",
    "benefit_grant.created",
    "benefit_grant.cycled",
    "benefit_grant.updated",
    "benefit_grant.revoked",
    "organization.updated",
)


class WebhookFormat(StrEnum):
    raw = "raw"
    discord = "discord"
    slack = "slack"


class EventStatus(StrEnum):
    pending = "pending"
    succeeded = "succeeded"
    failed = "failed"
    skipped = "skipped"


# --- secrets and signatures ---------------------------------------------------------------------


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signing_key(secret: str) -> bytes:
    """The HMAC key of a secret: its base64 part, decoded (Standard Webhooks)."""
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value for one delivery."""
    content = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(signing_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
    }


# --- target addresses ---------------------------------------------------------------------------


def address_refusal(address: str, *, allow_loopback: bool) -> str | None:
    """Why a webhook may not be sent to `address` (an IP literal), or None when it may.

    Only globally routable unicast addresses are accepted: loopback, private, link-local,
    multicast, reserved, unspecified and shared (CGNAT) addresses are refused, and so are
    the IPv6 forms of them (IPv4-mapped, 6to4; NAT64 and Teredo are refused whatever they
    embed). `allow_loopback` (development only) admits loopback, never through 6to4.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"{address!r} is not an IP address."
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv6Address) and ip.sixtofour is not None:
        # 6to4 (2002::/16) reaches the IPv4 address in its next 32 bits, through a relay.
        embedded = address_refusal(str(ip.sixtofour), allow_loopback=False)
        if embedded is not None:
            return f"A 6to4 address of {ip.sixtofour}. {embedded}"
    if ip.is_loopback:
        return None if allow_loopback else "Loopback addresses are not allowed."
    if ip.is_multicast:
        return "Multicast addresses are not allowed."
    if ip.is_link_local:
        return "Link-local addresses are not allowed."
    if ip.is_private:
        return "Private addresses are not allowed."
    if ip.is_reserved or ip.is_unspecified or not ip.is_global:
        return "Reserved addresses are not allowed."
    return None


def url_text_refusal(url: str) -> str | None:
    """Why `url` cannot be a webhook target as text, or None: whitespace and control characters
    are refused (a CR/LF would end the request line and start a header of its own)."""
    for character in url:
        if character.isspace() or unicodedata.category(character) == "Cc":
            return f"The URL may not contain whitespace or control characters ({character!r})."
    return None


# --- entities -----------------------------------------------------------------------------------


def validate_events(events: Sequence[str], known: frozenset[str] | set[str]) -> list[str]:
    if not events:
        raise InvariantViolation("events", "Subscribe to at least one event type.")
    for index, event in enumerate(events):
        if event not in known:
            raise InvariantViolation(f"events.{index}", f"Unknown event type {event!r}.")
    return list(dict.fromkeys(events))


@dataclass(kw_only=True)
class WebhookEndpoint(Entity):
    organization_id: uuid.UUID
    url: str
    format: WebhookFormat
    secret: str
    events: list[str]
    name: str | None = None
    api_version: str = DEFAULT_API_VERSION
    enabled: bool = True
    # Events that failed in a row (retries exhausted or 410); reset by any success.
    consecutive_failures: int = 0

    def subscribes_to(self, event_type: str) -> bool:
        return self.enabled and self.deleted_at is None and event_type in self.events

    def rotate_secret(self) -> None:
        self.secret = generate_secret()

    def event_succeeded(self) -> None:
        self.consecutive_failures = 0

    def event_failed(self, disable_after: int) -> bool:
        """Count a failed event; returns True when this failure disabled the endpoint."""
        self.consecutive_failures += 1
        if self.enabled and self.consecutive_failures >= disable_after:
            self.enabled = False
            return True
        return False

    def gone(self) -> bool:
        """The receiver answered 410 Gone: stop sending. True when this disabled the endpoint."""
        was_enabled = self.enabled
        self.enabled = False
        return was_enabled

    def enable(self) -> None:
        self.enabled = True
        self.consecutive_failures = 0


@dataclass(frozen=True)
class RetrySchedule:
    """Seconds to wait after the 1st, 2nd… failed attempt; its length bounds the retries."""

    delays: tuple[float, ...]
    jitter: float = 0.1

    def __post_init__(self) -> None:
        if not self.delays or any(d <= 0 for d in self.delays):
            raise InvariantViolation("delays", "Retry delays are positive and at least one.")
        if not 0 <= self.jitter <= 1:
            raise InvariantViolation("jitter", "Jitter is a fraction between 0 and 1.")

    @property
    def max_attempts(self) -> int:
        return len(self.delays) + 1

    @property
    def span(self) -> timedelta:
        """The time from the first attempt to the last one, without jitter."""
        return timedelta(seconds=sum(self.delays))

    def delay(self, failed_attempts: int, spread: float, retry_after: float | None) -> float | None:
        """Seconds until the next attempt after `failed_attempts` failures; None when exhausted.

        `spread` is a random number in [0, 1) scaling the jitter; a receiver's `retry_after`
        replaces the step (never beyond the longest step, so a receiver cannot park an event).
        """
        if failed_attempts >= self.max_attempts:
            return None
        base = self.delays[failed_attempts - 1]
        if retry_after is not None:
            return min(max(retry_after, 0.0), max(self.delays))
        return base * (1 + self.jitter * spread)


@dataclass(frozen=True)
class AttemptOutcome:
    """What one HTTP attempt gave: a status code, or an error when no response came."""

    http_code: int | None
    response: str | None
    retry_after: float | None = None
    duration_ms: int = 0

    @property
    def succeeded(self) -> bool:
        return self.http_code is not None and 200 <= self.http_code < 300

    @property
    def gone(self) -> bool:
        return self.http_code == 410

    @property
    def honours_retry_after(self) -> bool:
        return self.http_code in (429, 503) and self.retry_after is not None


@dataclass(kw_only=True)
class WebhookEvent(Entity):
    endpoint_id: uuid.UUID
    organization_id: uuid.UUID
    type: str
    payload: str | None
    api_version: str = DEFAULT_API_VERSION
    status: EventStatus = EventStatus.pending
    attempts: int = 0
    next_attempt_at: datetime | None = None
    # A worker holds the event until then while it sends it; after that anyone may.
    locked_until: datetime | None = None
    # When a delivery job was last queued for it (the sweeper re-queues stale ones).
    dispatched_at: datetime | None = None
    last_http_code: int | None = None
    succeeded: bool | None = None
    skipped: bool = False
    is_archived: bool = False

    @property
    def is_pending(self) -> bool:
        return self.status is EventStatus.pending

    def record(
        self, outcome: AttemptOutcome, at: datetime, schedule: RetrySchedule, spread: float
    ) -> None:
        """Apply one attempt's outcome: succeed, fail for good, or schedule the next attempt."""
        self.attempts += 1
        self.last_http_code = outcome.http_code
        self.locked_until = None
        self.dispatched_at = None
        if outcome.succeeded:
            self.status, self.succeeded, self.next_attempt_at = EventStatus.succeeded, True, None
            return
        self.succeeded = False
        retry_after = outcome.retry_after if outcome.honours_retry_after else None
        delay = None if outcome.gone else schedule.delay(self.attempts, spread, retry_after)
        if delay is None:
            self.status, self.next_attempt_at = EventStatus.failed, None
        else:
            self.next_attempt_at = at + timedelta(seconds=delay)

    def skip(self) -> None:
        self.status, self.skipped = EventStatus.skipped, True
        self.next_attempt_at = self.locked_until = self.dispatched_at = None

    def redeliver(self, at: datetime) -> None:
        """Send again now and, should that fail, on the whole schedule again."""
        if self.is_archived or self.payload is None:
            raise InvariantViolation("id", "An archived event can no longer be redelivered.")
        self.status, self.skipped = EventStatus.pending, False
        self.attempts = 0
        self.next_attempt_at = at
        self.locked_until = None
        self.dispatched_at = at

    def archive(self) -> None:
        self.payload = None
        self.is_archived = True


@dataclass(kw_only=True)
class WebhookDelivery(Entity):
    """One attempt to send an event: what came back (≤ 2 KiB of it), or why nothing did."""

    event_id: uuid.UUID
    endpoint_id: uuid.UUID
    organization_id: uuid.UUID
    succeeded: bool
    http_code: int | None
    response: str | None
    duration_ms: int = 0
    attempt: int = 1


def excerpt(text: str | None, limit: int = RESPONSE_EXCERPT_BYTES) -> str | None:
    """At most `limit` bytes of `text` in UTF-8, never splitting a character; no NULs."""
    if text is None:
        return None
    data = text.replace("\x00", "").encode()[:limit]
    return data.decode("utf-8", "ignore")
