from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from application.auth import AuthSubject, Scope, SubjectKind
from entrypoints.http.dependencies import Authenticator

_MERCHANTS = {SubjectKind.user, SubjectKind.organization}

FilesRead = Annotated[
    AuthSubject, Depends(Authenticator({Scope.files_read, Scope.files_write}, _MERCHANTS))
]
FilesWrite = Annotated[AuthSubject, Depends(Authenticator({Scope.files_write}, _MERCHANTS))]
