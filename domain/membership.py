from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from domain.base import Entity


class MemberRole(StrEnum):
    owner = "owner"
    admin = "admin"
    finance = "finance"
    member = "member"

    @property
    def can_manage(self) -> bool:
        """Owners and admins change the organization's settings and its tokens."""
        return self in (MemberRole.owner, MemberRole.admin)


@dataclass(kw_only=True)
class Membership(Entity):
    user_id: uuid.UUID
    organization_id: uuid.UUID
    role: MemberRole = MemberRole.member
