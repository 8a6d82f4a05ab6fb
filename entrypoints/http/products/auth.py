from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from application.auth import AuthSubject, Scope, SubjectKind
from entrypoints.http.dependencies import Authenticator

_MERCHANTS = {SubjectKind.user, SubjectKind.organization}

ProductsRead = Annotated[
    AuthSubject,
    Depends(Authenticator({Scope.products_read, Scope.products_write}, _MERCHANTS)),
]
ProductsWrite = Annotated[AuthSubject, Depends(Authenticator({Scope.products_write}, _MERCHANTS))]
