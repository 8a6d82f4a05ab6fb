from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from application.auth import AuthSubject, Scope, SubjectKind
from entrypoints.http.dependencies import Authenticator
from entrypoints.http.idempotency import IDEMPOTENCY, IdempotentRequest
from entrypoints.http.rate_limits import CHECKOUT_CONFIRM, RateLimitGroup, RateLimits

_MERCHANTS = {SubjectKind.user, SubjectKind.organization}


class ClientSecretHolder(Authenticator):
    """The customer's routes (by client secret): the secret in the path is the capability, as
    in Polar, so whatever credential the request carries is ignored; the request is counted
    against the rate limits as anonymous and may claim an Idempotency-Key by its address."""

    def __init__(self, rate_limits: tuple[RateLimitGroup, ...] = ()) -> None:
        super().__init__((), {SubjectKind.anonymous}, rate_limits=rate_limits)

    async def __call__(self, request: Request) -> AuthSubject:
        subject = AuthSubject.anonymous()
        limits: RateLimits = request.app.state.container.rate_limits()
        if limits.on:
            await limits.admit(request, subject, self.rate_limits)
        idempotent: IdempotentRequest | None = request.scope.get(IDEMPOTENCY)
        if idempotent is not None:
            await idempotent.claim_for(request, subject)
        return subject


CheckoutsRead = Annotated[
    AuthSubject,
    Depends(Authenticator({Scope.checkouts_read, Scope.checkouts_write}, _MERCHANTS)),
]
CheckoutsWrite = Annotated[AuthSubject, Depends(Authenticator({Scope.checkouts_write}, _MERCHANTS))]
Customer = Annotated[AuthSubject, Depends(ClientSecretHolder())]
# Confirming also counts against Polar's `checkout_confirm` limits (per client address).
Confirming = Annotated[AuthSubject, Depends(ClientSecretHolder((CHECKOUT_CONFIRM,)))]
