from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from application.auth import AuthSubject, Scope, SubjectKind
from entrypoints.http.dependencies import Authenticator

CustomerSessionsWrite = Annotated[
    AuthSubject,
    Depends(
        Authenticator({Scope.customer_sessions_write}, {SubjectKind.user, SubjectKind.organization})
    ),
]
