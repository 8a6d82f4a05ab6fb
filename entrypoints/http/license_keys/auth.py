from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from application.auth import AuthSubject, Scope, SubjectKind
from entrypoints.http.dependencies import Authenticator, CapabilityHolder
from entrypoints.http.rate_limits import LICENSE_KEYS

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
# The customer's software (`/v1/customer-portal/license-keys/…`): the key is the capability;
# counted against Polar's `license_keys` limit (3 a second per address).
KeyHolder = Annotated[AuthSubject, Depends(CapabilityHolder((LICENSE_KEYS,)))]
