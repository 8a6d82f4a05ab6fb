from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from application.auth import AuthSubject, Scope, SubjectKind
from entrypoints.http.dependencies import Authenticator

_MERCHANTS = {SubjectKind.user, SubjectKind.organization}

OrganizationsRead = Annotated[
    AuthSubject,
    Depends(Authenticator({Scope.organizations_read, Scope.organizations_write}, _MERCHANTS)),
]
OrganizationsWrite = Annotated[
    AuthSubject, Depends(Authenticator({Scope.organizations_write}, _MERCHANTS))
]
OrganizationsCreate = Annotated[
    AuthSubject, Depends(Authenticator({Scope.organizations_write}, {SubjectKind.user}))
]
OrganizationsDelete = Annotated[
    AuthSubject, Depends(Authenticator({Scope.organizations_write}, {SubjectKind.user}))
]
