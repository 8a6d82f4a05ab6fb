from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from application.auth import AuthSubject, Scope, SubjectKind
from entrypoints.http.dependencies import Authenticator

_MERCHANTS = {SubjectKind.user, SubjectKind.organization}

CustomersRead = Annotated[
    AuthSubject,
    Depends(Authenticator({Scope.customers_read, Scope.customers_write}, _MERCHANTS)),
]
CustomersWrite = Annotated[AuthSubject, Depends(Authenticator({Scope.customers_write}, _MERCHANTS))]
