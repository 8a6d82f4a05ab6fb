"""Choosing the organization a write applies to."""

from __future__ import annotations

import uuid

from application.auth import AuthSubject
from application.kit.errors import NotPermitted, ResourceNotFound, ValidationFailed
from application.organizations.ports import TenancyUnitOfWork
from domain.membership import Membership
from domain.organization import Organization


async def target_organization(
    uow: TenancyUnitOfWork, subject: AuthSubject, organization_id: uuid.UUID | None
) -> Organization:
    """The organization a user or organization subject writes to.

    An organization token writes to its own organization. A user token names one it belongs to
    (`organization_id` in the body or the `Polar-Organization` header). An organization the
    subject cannot read is not found, whoever owns it.
    """
    if subject.is_organization:
        if organization_id is not None and organization_id != subject.id:
            raise ResourceNotFound("Organization not found.")
        organization_id = subject.require_id()
    elif organization_id is None:
        raise ValidationFailed.single(
            ("body", "organization_id"), "organization_id is required when using a user token."
        )
    organization = await uow.organizations.get_readable(subject, organization_id)
    if organization is None:
        raise ResourceNotFound("Organization not found.")
    return organization


async def require_manager(
    uow: TenancyUnitOfWork, subject: AuthSubject, organization: Organization
) -> None:
    """A user must be an owner or an admin to manage the organization; its own token may."""
    if subject.is_organization:
        return
    membership = await uow.memberships.get(subject.require_id(), organization.id)
    if membership is None or not membership.role.can_manage:
        raise NotPermitted("Only the organization's owners and admins can do this.")


async def membership_of(
    uow: TenancyUnitOfWork, subject: AuthSubject, organization: Organization
) -> Membership | None:
    if not subject.is_user:
        return None
    return await uow.memberships.get(subject.require_id(), organization.id)
