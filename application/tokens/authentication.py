"""Turning a bearer token into an AuthSubject."""

from __future__ import annotations

from application.auth import AuthSubject
from application.kit.errors import Unauthorized
from application.ports import Clock, TokenHasher, TokenUsageRecorder
from application.uow import UnitOfWork
from domain.access_token import TokenKind, needs_usage_record


class AuthenticationService:
    def __init__(self, clock: Clock, hasher: TokenHasher, usage: TokenUsageRecorder) -> None:
        self.clock = clock
        self.hasher = hasher
        self.usage = usage

    async def authenticate(self, uow: UnitOfWork, token: str | None) -> AuthSubject:
        """Anonymous without a token; Unauthorized for a token that is unknown, expired or revoked.

        `last_used_at` goes to the usage recorder, which persists it off the request path.
        """
        if not token:
            return AuthSubject.anonymous()
        kind = TokenKind.of(token)
        now = self.clock.now()
        digest = self.hasher.digest(token)
        if kind is TokenKind.personal:
            pat = await uow.personal_access_tokens.get_usable_by_digest(digest, now)
            if pat is None:
                raise Unauthorized("The access token is invalid, expired or revoked.")
            if needs_usage_record(pat.last_used_at, now):
                self.usage.record(kind.value, pat.id, now)
            return AuthSubject.user(pat.user_id, pat.scopes, pat.id)
        if kind is TokenKind.organization:
            oat = await uow.organization_access_tokens.get_usable_by_digest(digest, now)
            if oat is None:
                raise Unauthorized("The access token is invalid, expired or revoked.")
            if needs_usage_record(oat.last_used_at, now):
                self.usage.record(kind.value, oat.id, now)
            return AuthSubject.organization(oat.organization_id, oat.scopes, oat.id)
        # Customer sessions arrive with the customer module; until then they are unknown tokens.
        raise Unauthorized("The access token is invalid, expired or revoked.")


async def flush_token_usage(uow: UnitOfWork, usage: TokenUsageRecorder) -> int:
    """Persist the buffered `last_used_at` values; returns how many tokens were touched."""
    pending = usage.drain()
    personal = pending.get(TokenKind.personal.value, {})
    organization = pending.get(TokenKind.organization.value, {})
    await uow.personal_access_tokens.record_usage(personal)
    await uow.organization_access_tokens.record_usage(organization)
    return len(personal) + len(organization)
