"""Schemathesis hooks (loaded through SCHEMATHESIS_HOOKS by fuzz/__main__.py).

The fuzzer calls every operation as the organization, revoking and rescoping tokens among
them, its own too. When an answer is a 401 or a 403, the token in use is replaced with a new
organization token holding every scope, minted with the user's token (which no operation can
revoke), and the request is sent again.
"""

from __future__ import annotations

import os
from typing import Any

import httpx
import schemathesis

from application.auth import MERCHANT_SCOPES

_BASE_URL = os.environ["MERIDIAN_FUZZ_BASE_URL"]
_ORGANIZATION_ID = os.environ["MERIDIAN_FUZZ_ORGANIZATION_ID"]
_PERSONAL_TOKEN = os.environ["MERIDIAN_FUZZ_PERSONAL_TOKEN"]
_first_token: list[str] = [os.environ["MERIDIAN_FUZZ_ORGANIZATION_TOKEN"]]


def _mint() -> str:
    response = httpx.post(
        f"{_BASE_URL}/v1/organization-access-tokens/",
        json={
            "organization_id": _ORGANIZATION_ID,
            "comment": "fuzz",
            "scopes": sorted(scope.value for scope in MERCHANT_SCOPES),
        },
        headers={"Authorization": f"Bearer {_PERSONAL_TOKEN}"},
        timeout=30,
    )
    response.raise_for_status()
    token: str = response.json()["token"]
    return token


@schemathesis.auth(retry_on=[401, 403])
class OrganizationToken:
    def get(self, case: Any, context: Any) -> str:
        if _first_token:
            return _first_token.pop()
        return _mint()

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}
