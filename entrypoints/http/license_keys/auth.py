from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from application.auth import AuthSubject, Scope, SubjectKind
from entrypoints.http.dependencies import Authenticator

_MERCHANTS = {SubjectKind.user, SubjectKind.organization}

LicenseKeysRead = Annotated[
    AuthSubject,
    Depends(Authenticator({Scope.license_keys_read, Scope.license_keys_write}, _MERCHANTS)),
]
LicenseKeysWrite = Annotated[
    AuthSubject, Depends(Authenticator({Scope.license_keys_write}, _MERCHANTS))
]
# validate / activate / deactivate with a token: the organization's own.
LicenseKeysOrganization = Annotated[
    AuthSubject, Depends(Authenticator({Scope.license_keys_write}, {SubjectKind.organization}))
]
