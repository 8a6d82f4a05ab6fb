from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from application.auth import AuthSubject, Scope, SubjectKind
from entrypoints.http.dependencies import Authenticator

_MERCHANTS = {SubjectKind.user, SubjectKind.organization}

SubscriptionsRead = Annotated[
    AuthSubject,
    Depends(Authenticator({Scope.subscriptions_read, Scope.subscriptions_write}, _MERCHANTS)),
]
SubscriptionsWrite = Annotated[
    AuthSubject, Depends(Authenticator({Scope.subscriptions_write}, _MERCHANTS))
]
