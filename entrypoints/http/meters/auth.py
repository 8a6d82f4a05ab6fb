from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from application.auth import AuthSubject, Scope, SubjectKind
from entrypoints.http.dependencies import Authenticator

_MERCHANTS = {SubjectKind.user, SubjectKind.organization}

MetersRead = Annotated[
    AuthSubject,
    Depends(Authenticator({Scope.meters_read, Scope.meters_write}, _MERCHANTS)),
]
MetersWrite = Annotated[AuthSubject, Depends(Authenticator({Scope.meters_write}, _MERCHANTS))]
