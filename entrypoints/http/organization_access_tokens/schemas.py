from __future__ import annotations

from datetime import datetime

from pydantic import UUID4

from domain.access_token import OrganizationAccessToken
from entrypoints.http.kit.responses import Wire, wire_format
from entrypoints.http.kit.schemas import Schema


class OrganizationAccessTokenSchema(Schema):
    id: UUID4
    created_at: datetime
    modified_at: datetime | None
    scopes: list[str]
    expires_at: datetime | None
    comment: str
    last_used_at: datetime | None
    organization_id: UUID4

    @classmethod
    def from_entity(cls, t: OrganizationAccessToken) -> OrganizationAccessTokenSchema:
        return cls(
            id=t.id,
            created_at=t.created_at,
            modified_at=t.modified_at,
            scopes=sorted(s.value for s in t.scopes),
            expires_at=t.expires_at,
            comment=t.comment,
            last_used_at=t.last_used_at,
            organization_id=t.organization_id,
        )


class OrganizationAccessTokenCreateResponse(Schema):
    organization_access_token: OrganizationAccessTokenSchema
    token: str


@wire_format(OrganizationAccessTokenSchema)
def organization_access_token_wire(t: OrganizationAccessToken) -> Wire:
    """The token's fields in the schema's order; its scopes as sorted names."""
    wire: Wire = {name: getattr(t, name) for name in OrganizationAccessTokenSchema.model_fields}
    wire["scopes"] = sorted(s.value for s in t.scopes)
    return wire


@wire_format(OrganizationAccessTokenCreateResponse)
def organization_access_token_created_wire(t: OrganizationAccessToken, token: str) -> Wire:
    return {"organization_access_token": organization_access_token_wire(t), "token": token}
