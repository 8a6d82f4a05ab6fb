from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from application.auth import AuthSubject, Scope, SubjectKind
from entrypoints.http.dependencies import Authenticator, CapabilityHolder

_MERCHANTS = {SubjectKind.user, SubjectKind.organization}

CheckoutLinksRead = Annotated[
    AuthSubject,
    Depends(Authenticator({Scope.checkout_links_read, Scope.checkout_links_write}, _MERCHANTS)),
]
CheckoutLinksWrite = Annotated[
    AuthSubject, Depends(Authenticator({Scope.checkout_links_write}, _MERCHANTS))
]
# The redirect: the link's client secret in the path is the capability (any credential sent
# is ignored, as on the checkout's client routes).
Visitor = Annotated[AuthSubject, Depends(CapabilityHolder())]
