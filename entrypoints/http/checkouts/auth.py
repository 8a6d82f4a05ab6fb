from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from application.auth import AuthSubject, Scope, SubjectKind
from entrypoints.http.dependencies import Authenticator, CapabilityHolder
from entrypoints.http.rate_limits import CHECKOUT_CONFIRM

_MERCHANTS = {SubjectKind.user, SubjectKind.organization}


CheckoutsRead = Annotated[
    AuthSubject,
    Depends(Authenticator({Scope.checkouts_read, Scope.checkouts_write}, _MERCHANTS)),
]
CheckoutsWrite = Annotated[AuthSubject, Depends(Authenticator({Scope.checkouts_write}, _MERCHANTS))]
# The customer's routes (by client secret): the secret in the path is the capability, as in
# Polar.
Customer = Annotated[AuthSubject, Depends(CapabilityHolder())]
# Confirming also counts against Polar's `checkout_confirm` limits (per client address).
Confirming = Annotated[AuthSubject, Depends(CapabilityHolder((CHECKOUT_CONFIRM,)))]
