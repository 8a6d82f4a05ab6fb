from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from application.auth import AuthSubject, Scope, SubjectKind
from entrypoints.http.dependencies import Authenticator

_MERCHANTS = {SubjectKind.user, SubjectKind.organization}

DiscountsRead = Annotated[
    AuthSubject,
    Depends(Authenticator({Scope.discounts_read, Scope.discounts_write}, _MERCHANTS)),
]
DiscountsWrite = Annotated[AuthSubject, Depends(Authenticator({Scope.discounts_write}, _MERCHANTS))]
