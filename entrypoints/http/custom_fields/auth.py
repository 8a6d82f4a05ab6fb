from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from application.auth import AuthSubject, Scope, SubjectKind
from entrypoints.http.dependencies import Authenticator

_MERCHANTS = {SubjectKind.user, SubjectKind.organization}

CustomFieldsRead = Annotated[
    AuthSubject,
    Depends(Authenticator({Scope.custom_fields_read, Scope.custom_fields_write}, _MERCHANTS)),
]
CustomFieldsWrite = Annotated[
    AuthSubject, Depends(Authenticator({Scope.custom_fields_write}, _MERCHANTS))
]
