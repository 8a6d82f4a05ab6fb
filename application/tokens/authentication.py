"""Turning a bearer token into an AuthSubject."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from application.auth import AuthSubject
from application.customer_sessions.ports import CustomerSessionRepository
from application.kit.errors import Unauthorized
from application.ports import (
    CachedCredential,
    Clock,
    CredentialCache,
    TokenHasher,
    TokenUsageRecorder,
)
from application.tokens.ports import TokenUnitOfWork
from domain.access_token import TokenKind, needs_usage_record

INVALID = "The access token is invalid, expired or revoked."

# Token kinds whose `last_used_at` is kept (a customer session has none: it lives an hour).
_USAGE_RECORDED = frozenset({TokenKind.personal.value, TokenKind.organization.value})


class AuthenticationUnitOfWork(TokenUnitOfWork, Protocol):
    """What authenticating reads: access tokens and customer sessions."""

    customer_sessions: CustomerSessionRepository


class AuthenticationService:
    def __init__(
        self,
        clock: Clock,
        hasher: TokenHasher,
        usage: TokenUsageRecorder,
        cache: CredentialCache | None = None,
    ) -> None:
        self.clock = clock
        self.hasher = hasher
        self.usage = usage
        self.cache = cache

    def authenticate_cached(self, token: str | None) -> AuthSubject | None:
        """The subject for `token` when no lookup is needed, None when one is (see `authenticate`).

        Anonymous without a token, Unauthorized for a token of no known kind, the cached subject
        for a credential seen within the cache's time to live: what a request needs most often,
        without opening a unit of work.
        """
        if not token:
            return AuthSubject.anonymous()
        self._require_known_kind(token)
        if self.cache is None:
            return None
        now = self.clock.now()
        credential = self.cache.get(self.hasher.digest(token), now)
        if credential is None:
            return None
        return self._used(credential, now)

    async def authenticate(self, uow: AuthenticationUnitOfWork, token: str | None) -> AuthSubject:
        """Anonymous without a token; Unauthorized for a token that is unknown, expired or revoked.

        `last_used_at` goes to the usage recorder, which persists it off the request path.
        """
        if not token:
            return AuthSubject.anonymous()
        kind = self._require_known_kind(token)
        now = self.clock.now()
        digest = self.hasher.digest(token)
        credential = self.cache.get(digest, now) if self.cache is not None else None
        if credential is None:
            credential, expires_at = await self._lookup(uow, kind, digest, now)
            if self.cache is not None:
                self.cache.put(digest, credential, now, expires_at)
        return self._used(credential, now)

    @staticmethod
    def _require_known_kind(token: str) -> TokenKind:
        kind = TokenKind.of(token)
        if kind is None:
            raise Unauthorized(INVALID)
        return kind

    def _used(self, credential: CachedCredential, now: datetime) -> AuthSubject:
        if credential.token_kind in _USAGE_RECORDED and needs_usage_record(
            credential.last_used_at, now
        ):
            self.usage.record(credential.token_kind, credential.token_id, now)
            credential.last_used_at = now
        return credential.subject

    async def _lookup(
        self, uow: AuthenticationUnitOfWork, kind: TokenKind, digest: str, now: datetime
    ) -> tuple[CachedCredential, datetime | None]:
        if kind is TokenKind.customer_session:
            session = await uow.customer_sessions.get_usable_by_digest(digest, now)
            if session is None:
                raise Unauthorized(INVALID)
            subject = AuthSubject.customer(
                session.customer_id, session.organization_id, session.id, session.expires_at
            )
            credential = CachedCredential(
                subject, kind.value, session.id, session.organization_id, None
            )
            return credential, session.expires_at
        if kind is TokenKind.personal:
            pat = await uow.personal_access_tokens.get_usable_by_digest(digest, now)
            if pat is None:
                raise Unauthorized(INVALID)
            subject = AuthSubject.user(pat.user_id, pat.scopes, pat.id, pat.expires_at)
            return CachedCredential(
                subject, kind.value, pat.id, None, pat.last_used_at
            ), pat.expires_at
        oat = await uow.organization_access_tokens.get_usable_by_digest(digest, now)
        if oat is None:
            raise Unauthorized(INVALID)
        subject = AuthSubject.organization(oat.organization_id, oat.scopes, oat.id, oat.expires_at)
        credential = CachedCredential(
            subject, kind.value, oat.id, oat.organization_id, oat.last_used_at
        )
        return credential, oat.expires_at


async def flush_token_usage(uow: TokenUnitOfWork, usage: TokenUsageRecorder) -> int:
    """Persist the buffered `last_used_at` values; returns how many tokens were touched."""
    pending = usage.drain()
    personal = pending.get(TokenKind.personal.value, {})
    organization = pending.get(TokenKind.organization.value, {})
    await uow.personal_access_tokens.record_usage(personal)
    await uow.organization_access_tokens.record_usage(organization)
    return len(personal) + len(organization)
