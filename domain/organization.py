"""Organizations: the merchants. Slug rules, status machine and settings."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Self

from domain.base import Entity
from domain.errors import InvalidTransition, InvariantViolation

SLUG_MIN_LENGTH = 3
SLUG_MAX_LENGTH = 64
_SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Slugs appear in URLs next to Meridian's own paths; these would be ambiguous.
RESERVED_SLUGS = frozenset(
    {
        "admin",
        "api",
        "app",
        "checkout",
        "dashboard",
        "docs",
        "login",
        "logout",
        "meridian",
        "new",
        "oauth",
        "portal",
        "settings",
        "signup",
        "static",
        "status",
        "v1",
        "www",
    }
)


def validate_slug(slug: str) -> str:
    if not SLUG_MIN_LENGTH <= len(slug) <= SLUG_MAX_LENGTH:
        raise InvariantViolation(
            "slug", f"Slug must be between {SLUG_MIN_LENGTH} and {SLUG_MAX_LENGTH} characters."
        )
    if not _SLUG_RE.fullmatch(slug):  # fullmatch: `$` would let a trailing newline through
        raise InvariantViolation(
            "slug",
            "Slug may contain only lower-case letters, digits and single hyphens between them.",
        )
    if slug in RESERVED_SLUGS:
        raise InvariantViolation("slug", f"The slug {slug!r} is reserved.")
    return slug


def slugify(text: str) -> str:
    """A valid slug derived from free text (used when a client gives only a name)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:SLUG_MAX_LENGTH].strip("-")
    if len(slug) < SLUG_MIN_LENGTH:
        slug = (slug + "-org").strip("-")
    if slug in RESERVED_SLUGS:
        slug = f"{slug}-org"
    return slug


class OrganizationStatus(StrEnum):
    created = "created"
    review = "review"
    snoozed = "snoozed"
    denied = "denied"
    active = "active"
    blocked = "blocked"
    offboarding = "offboarding"
    offboarded = "offboarded"


_TRANSITIONS: dict[OrganizationStatus, frozenset[OrganizationStatus]] = {
    OrganizationStatus.created: frozenset(
        {OrganizationStatus.review, OrganizationStatus.active, OrganizationStatus.blocked}
    ),
    OrganizationStatus.review: frozenset(
        {
            OrganizationStatus.active,
            OrganizationStatus.denied,
            OrganizationStatus.snoozed,
            OrganizationStatus.blocked,
        }
    ),
    OrganizationStatus.snoozed: frozenset(
        {OrganizationStatus.review, OrganizationStatus.active, OrganizationStatus.denied}
    ),
    OrganizationStatus.denied: frozenset({OrganizationStatus.review}),
    OrganizationStatus.active: frozenset(
        {OrganizationStatus.review, OrganizationStatus.blocked, OrganizationStatus.offboarding}
    ),
    OrganizationStatus.blocked: frozenset(
        {OrganizationStatus.active, OrganizationStatus.offboarding}
    ),
    OrganizationStatus.offboarding: frozenset(
        {OrganizationStatus.offboarded, OrganizationStatus.active}
    ),
    OrganizationStatus.offboarded: frozenset(),
}


def can_transition(current: OrganizationStatus, target: OrganizationStatus) -> bool:
    return target in _TRANSITIONS[current]


class SocialPlatform(StrEnum):
    x = "x"
    github = "github"
    facebook = "facebook"
    instagram = "instagram"
    youtube = "youtube"
    tiktok = "tiktok"
    linkedin = "linkedin"
    threads = "threads"
    discord = "discord"
    other = "other"


@dataclass(frozen=True)
class SocialLink:
    platform: SocialPlatform
    url: str


class ProrationBehavior(StrEnum):
    invoice = "invoice"
    prorate = "prorate"
    next_period = "next_period"
    reset = "reset"


class TaxBehavior(StrEnum):
    location = "location"
    inclusive = "inclusive"
    exclusive = "exclusive"


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_FIELD_SETS: dict[type, frozenset[str]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    # dataclasses.fields() is slow enough to show up when many rows are loaded: remember it.
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))
    return names


def _field_set(cls: type) -> frozenset[str]:
    known = _FIELD_SETS.get(cls)
    if known is None:
        known = _FIELD_SETS[cls] = frozenset(_field_names(cls))
    return known


_INSTANCES: dict[tuple[type, tuple[tuple[str, Any], ...], tuple[type, ...]], _Settings] = {}
_MAX_INSTANCES = 4096


class _Settings:
    """Settings blocks round-trip through plain dicts (JSON columns, API bodies)."""

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _field_names(type(self))}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Self:
        """The block described by `data`, unknown keys ignored.

        Blocks are immutable values and most organizations share a handful of them, so equal
        dicts give the same instance (every row loaded builds four blocks).
        """
        if not data:
            data = {}
        try:
            # The types too: True == 1, and an instance built from one must not serve the other.
            key = (cls, tuple(data.items()), tuple(map(type, data.values())))
            instance = _INSTANCES.get(key)
        except TypeError:  # An unhashable value: build it every time.
            key, instance = None, None
        if instance is not None:
            return instance  # type: ignore[return-value]
        known = _field_set(cls)
        if known.issuperset(data):  # What to_dict wrote: no copy to filter.
            instance = cls(**data)
        else:
            instance = cls(**{k: v for k, v in data.items() if k in known})
        if key is not None:
            if len(_INSTANCES) >= _MAX_INSTANCES:
                _INSTANCES.clear()
            _INSTANCES[key] = instance
        return instance

    def merged(self, changes: dict[str, Any]) -> Self:
        return self.from_dict({**self.to_dict(), **changes})


@dataclass(frozen=True)
class SubscriptionSettings(_Settings):
    allow_multiple_subscriptions: bool = False
    proration_behavior: str = ProrationBehavior.prorate.value
    benefit_revocation_grace_period: int = 0
    prevent_trial_abuse: bool = False
    allow_customer_updates: bool = True


@dataclass(frozen=True)
class CustomerEmailSettings(_Settings):
    order_confirmation: bool = True
    payment_method_expiration_reminder: bool = True
    subscription_cancellation: bool = True
    subscription_confirmation: bool = True
    subscription_cycled: bool = True
    subscription_cycled_after_trial: bool = True
    subscription_past_due: bool = True
    subscription_paused: bool = True
    subscription_resumed: bool = True
    subscription_renewal_reminder: bool = True
    subscription_revoked: bool = True
    subscription_trial_conversion_reminder: bool = True
    subscription_uncanceled: bool = True
    subscription_updated: bool = True


@dataclass(frozen=True)
class CustomerPortalSettings(_Settings):
    usage_show: bool = True
    subscription_update_seats: bool = True
    subscription_update_plan: bool = True
    subscription_update_units: bool = True
    subscription_pause: bool = False
    customer_allow_email_change: bool = False


@dataclass(frozen=True)
class DisputeSettings(_Settings):
    auto_accept_below_amount: int | None = None


@dataclass(kw_only=True)
class Organization(Entity):
    name: str
    slug: str
    avatar_url: str | None = None
    email: str | None = None
    website: str | None = None
    country: str | None = None
    socials: list[SocialLink] = field(default_factory=list)
    status: OrganizationStatus = OrganizationStatus.active
    status_changed_at: datetime | None = None
    details_submitted_at: datetime | None = None
    default_presentment_currency: str = "usd"
    default_tax_behavior: TaxBehavior = TaxBehavior.location
    feature_settings: dict[str, bool] = field(default_factory=dict)
    subscription_settings: SubscriptionSettings = field(default_factory=SubscriptionSettings)
    customer_email_settings: CustomerEmailSettings = field(default_factory=CustomerEmailSettings)
    customer_portal_settings: CustomerPortalSettings = field(default_factory=CustomerPortalSettings)
    dispute_settings: DisputeSettings = field(default_factory=DisputeSettings)
    embed_hosts: list[str] = field(default_factory=list)

    NAME_MAX_LENGTH: ClassVar[int] = 128

    @classmethod
    def create(cls, *, name: str, slug: str, at: datetime, **attributes: Any) -> Organization:
        """A self-hosted organization is active from the start: the operator is its own reviewer."""
        return cls(
            name=validate_name(name),
            slug=validate_slug(slug),
            status=OrganizationStatus.active,
            status_changed_at=at,
            created_at=at,
            **attributes,
        )

    def rename(self, name: str) -> None:
        self.name = validate_name(name)

    def move_to(self, target: OrganizationStatus, at: datetime) -> None:
        if target == self.status:
            return
        if not can_transition(self.status, target):
            raise InvalidTransition("organization", self.status.value, target.value)
        self.status = target
        self.status_changed_at = at

    @property
    def is_operational(self) -> bool:
        """Whether the organization can take payments and use the API."""
        return self.status in (
            OrganizationStatus.active,
            OrganizationStatus.created,
            OrganizationStatus.review,
            OrganizationStatus.snoozed,
        )


def validate_name(name: str) -> str:
    stripped = name.strip()
    if not stripped:
        raise InvariantViolation("name", "Name cannot be empty.")
    if len(stripped) > Organization.NAME_MAX_LENGTH:
        raise InvariantViolation(
            "name", f"Name must be at most {Organization.NAME_MAX_LENGTH} characters."
        )
    return stripped
