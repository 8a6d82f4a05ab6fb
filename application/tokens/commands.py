from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from pydantic import Field, StringConstraints

from application.kit.inputs import Command
from domain.scopes import Scope

TokenComment = Annotated[str, StringConstraints(max_length=255)]


class OrganizationAccessTokenCreate(Command):
    organization_id: uuid.UUID | None = None
    comment: TokenComment
    # Seconds or an ISO-8601 duration; absent or null for a token that does not expire.
    expires_in: Annotated[timedelta, Field(gt=timedelta(0), le=timedelta(days=3650))] | None = None
    scopes: Annotated[list[Scope], Field(max_length=len(Scope))]


class OrganizationAccessTokenUpdate(Command):
    comment: TokenComment | None = None
    scopes: Annotated[list[Scope], Field(max_length=len(Scope))] | None = None
