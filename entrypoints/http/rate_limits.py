"""Rate limits: named groups of limits that routes declare, counted per client.

Every authenticated route counts against `DEFAULT` (Polar's 500 requests a minute), per token,
or per client address for anonymous calls and refused credentials. A route adds a group with
`Authenticator(..., rate_limits=(LICENSE_KEYS,))`. Over a limit, the request answers 429
`TooManyRequests` with `Retry-After`; every counted response carries `RateLimit-Limit`,
`RateLimit-Remaining` and `RateLimit-Reset` for the limit closest to running out (the
`RateLimitHeaders` middleware adds them).

`MERIDIAN_RATE_LIMIT_RULES` overrides a group's numbers; `MERIDIAN_RATE_LIMITS=off` turns
counting off (no counter, no header).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fastapi import Request
from limits import RateLimitItem
from starlette.types import Scope

from adapters.ratelimits import Count, RequestCounters, parse_limits
from application.auth import AuthSubject
from application.kit.errors import TooManyRequests

# Where the request's reported count is kept for the response headers.
RATE_LIMIT = "meridian.rate_limit"


@dataclass(frozen=True)
class RateLimitGroup:
    """Limits some routes share. `limits` are the production numbers (`"6/minute;20/hour"`);
    `per_address` counts every caller by client address, even with a token."""

    name: str
    limits: str
    per_address: bool = False


GROUPS: dict[str, RateLimitGroup] = {}


def rate_limit_group(name: str, limits: str, *, per_address: bool = False) -> RateLimitGroup:
    """Declare a group (at import time, next to the routes that use it)."""
    if name in GROUPS:
        raise ValueError(f"the rate-limit group {name!r} is declared twice")
    parse_limits(limits)
    group = GROUPS[name] = RateLimitGroup(name, limits, per_address)
    return group


DEFAULT = rate_limit_group("default", "500/minute")
# Polar's numbers for the public license-key routes (validate, activate, deactivate: per
# address) and checkout confirmation.
LICENSE_KEYS = rate_limit_group("license_keys", "3/second", per_address=True)
CHECKOUT_CONFIRM = rate_limit_group("checkout_confirm", "6/minute;20/hour")


def client_address(scope: Scope) -> str:
    """The client's address as the server saw it (behind a proxy, uvicorn takes it from
    `X-Forwarded-For` when the proxy is trusted: FORWARDED_ALLOW_IPS)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def headers(count: Count) -> list[tuple[bytes, bytes]]:
    return [
        (b"ratelimit-limit", str(count.limit).encode()),
        (b"ratelimit-remaining", str(count.remaining).encode()),
        (b"ratelimit-reset", str(count.reset_after).encode()),
    ]


class RateLimits:
    """The groups' limits and their counters. `on` is False when rate limits are turned off:
    then nothing is counted (callers check it before `admit`)."""

    on = True

    @classmethod
    def off(cls) -> RateLimits:
        limits = cls(RequestCounters(), {})
        limits.on = False
        return limits

    def __init__(self, counters: RequestCounters, rules: Mapping[str, str]) -> None:
        unknown = set(rules) - set(GROUPS)
        if unknown:
            raise ValueError(
                f"MERIDIAN_RATE_LIMIT_RULES names unknown groups {sorted(unknown)}; "
                f"the groups are {sorted(GROUPS)}"
            )
        self.counters = counters
        self.rules = dict(rules)
        self._limits: dict[str, tuple[RateLimitItem, ...]] = {}
        for name in GROUPS:
            self.limits_of(GROUPS[name])  # refuse a bad rule at start-up

    def limits_of(self, group: RateLimitGroup) -> tuple[RateLimitItem, ...]:
        items = self._limits.get(group.name)
        if items is None:
            items = self._limits[group.name] = parse_limits(
                self.rules.get(group.name, group.limits)
            )
        return items

    async def admit(
        self,
        request: Request,
        subject: AuthSubject | None,
        groups: tuple[RateLimitGroup, ...] = (),
    ) -> None:
        """Count the request against `DEFAULT` and `groups`, for `subject`'s token, or the
        client's address when there is none (anonymous, or a refused credential). Raises
        TooManyRequests over a limit."""
        address = f"ip:{client_address(request.scope)}"
        client = address
        if subject is not None and subject.token_id is not None:
            client = f"token:{subject.token_id}"
        reported: Count | None = None
        for group in (DEFAULT, *groups):
            identity = address if group.per_address else client
            count = await self.counters.count(self.limits_of(group), group.name, identity)
            if count is None:
                continue
            if not count.allowed:
                request.scope[RATE_LIMIT] = count
                raise TooManyRequests(
                    f"Rate limit exceeded: {count.limit} requests per {count.period}. "
                    f"Retry in {count.reset_after} s.",
                    retry_after=count.reset_after,
                )
            if reported is None or count.remaining < reported.remaining:
                reported = count
        if reported is not None:
            request.scope[RATE_LIMIT] = reported
