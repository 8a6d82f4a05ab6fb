from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from application.auth import AuthSubject, Scope, SubjectKind
from entrypoints.http.dependencies import Authenticator

# A customer session (`polar_cst_`): the customer portal's routes serve customers only.
CustomerPortalRead = Annotated[
    AuthSubject,
    Depends(
        Authenticator(
            {Scope.customer_portal_read, Scope.customer_portal_write}, {SubjectKind.customer}
        )
    ),
]
CustomerPortalWrite = Annotated[
    AuthSubject,
    Depends(Authenticator({Scope.customer_portal_write}, {SubjectKind.customer})),
]
