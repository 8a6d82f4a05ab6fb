from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from application.auth import AuthSubject, Scope, SubjectKind
from entrypoints.http.dependencies import Authenticator

_MERCHANTS = {SubjectKind.user, SubjectKind.organization}

BenefitGrantsRead = Annotated[
    AuthSubject,
    Depends(Authenticator({Scope.benefits_read, Scope.benefits_write}, _MERCHANTS)),
]
