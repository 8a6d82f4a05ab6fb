from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from application.auth import AuthSubject, Scope, SubjectKind
from entrypoints.http.dependencies import Authenticator

_MERCHANTS = {SubjectKind.user, SubjectKind.organization}

WebhooksRead = Annotated[
    AuthSubject,
    Depends(Authenticator({Scope.webhooks_read, Scope.webhooks_write}, _MERCHANTS)),
]
WebhooksWrite = Annotated[AuthSubject, Depends(Authenticator({Scope.webhooks_write}, _MERCHANTS))]
