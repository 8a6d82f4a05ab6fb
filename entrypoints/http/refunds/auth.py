from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from application.auth import AuthSubject, Scope, SubjectKind
from entrypoints.http.dependencies import Authenticator

_MERCHANTS = {SubjectKind.user, SubjectKind.organization}

RefundsRead = Annotated[
    AuthSubject,
    Depends(Authenticator({Scope.refunds_read, Scope.refunds_write}, _MERCHANTS)),
]
RefundsWrite = Annotated[AuthSubject, Depends(Authenticator({Scope.refunds_write}, _MERCHANTS))]
