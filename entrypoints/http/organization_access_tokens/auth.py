from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from application.auth import AuthSubject, Scope, SubjectKind
from entrypoints.http.dependencies import Authenticator

_MERCHANTS = {SubjectKind.user, SubjectKind.organization}

TokensRead = Annotated[
    AuthSubject,
    Depends(
        Authenticator(
            {Scope.organization_access_tokens_read, Scope.organization_access_tokens_write},
            _MERCHANTS,
        )
    ),
]
TokensWrite = Annotated[
    AuthSubject, Depends(Authenticator({Scope.organization_access_tokens_write}, _MERCHANTS))
]
