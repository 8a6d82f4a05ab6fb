from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from application.auth import AuthSubject, Scope, SubjectKind
from entrypoints.http.dependencies import Authenticator

_MERCHANTS = {SubjectKind.user, SubjectKind.organization}

OrdersRead = Annotated[
    AuthSubject,
    Depends(Authenticator({Scope.orders_read, Scope.orders_write}, _MERCHANTS)),
]
OrdersWrite = Annotated[AuthSubject, Depends(Authenticator({Scope.orders_write}, _MERCHANTS))]
