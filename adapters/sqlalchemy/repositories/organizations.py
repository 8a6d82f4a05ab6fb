from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, Uuid, bindparam

from adapters.sqlalchemy.kit.filters import subject_params, where_readable
from adapters.sqlalchemy.kit.repository import (
    RepositoryBase,
    SoftDeletionMixin,
    SortingMixin,
    register_unique_field,
)
from adapters.sqlalchemy.tables import memberships, organizations
from application.auth import AuthSubject, SubjectKind
from application.kit.pagination import Page, PaginationParams
from application.kit.sorting import Sorting
from application.organizations.sorting import OrganizationSortProperty
from domain.membership import MemberRole, Membership
from domain.organization import (
    CustomerEmailSettings,
    CustomerPortalSettings,
    DisputeSettings,
    Organization,
    OrganizationStatus,
    SocialLink,
    SocialPlatform,
    SubscriptionSettings,
    TaxBehavior,
)

register_unique_field(
    "uq_organizations_slug_live", "slug", "An organization with this slug already exists."
)


class SqlAlchemyOrganizationRepository(
    SortingMixin[Organization, OrganizationSortProperty],
    SoftDeletionMixin[Organization],
    RepositoryBase[Organization],
):
    table = organizations
    entity = Organization
    sorting_columns = {
        OrganizationSortProperty.created_at: organizations.c.created_at,
        OrganizationSortProperty.slug: organizations.c.slug,
        OrganizationSortProperty.name: organizations.c.name,
        OrganizationSortProperty.next_review_threshold: organizations.c.status_changed_at,
        OrganizationSortProperty.days_in_status: organizations.c.status_changed_at,
    }

    def to_entity(self, row: Mapping[Any, Any]) -> Organization:
        return Organization(
            id=row["id"],
            created_at=row["created_at"],
            modified_at=row["modified_at"],
            deleted_at=row["deleted_at"],
            name=row["name"],
            slug=row["slug"],
            avatar_url=row["avatar_url"],
            email=row["email"],
            website=row["website"],
            country=row["country"],
            socials=[SocialLink(SocialPlatform(s["platform"]), s["url"]) for s in row["socials"]],
            status=OrganizationStatus(row["status"]),
            status_changed_at=row["status_changed_at"],
            details_submitted_at=row["details_submitted_at"],
            default_presentment_currency=row["default_presentment_currency"],
            default_tax_behavior=TaxBehavior(row["default_tax_behavior"]),
            feature_settings=dict(row["feature_settings"]),
            subscription_settings=SubscriptionSettings.from_dict(row["subscription_settings"]),
            customer_email_settings=CustomerEmailSettings.from_dict(row["customer_email_settings"]),
            customer_portal_settings=CustomerPortalSettings.from_dict(
                row["customer_portal_settings"]
            ),
            dispute_settings=DisputeSettings.from_dict(row["dispute_settings"]),
            embed_hosts=list(row["embed_hosts"]),
        )

    def to_row(self, entity: Organization) -> dict[str, Any]:
        row = super().to_row(entity)
        row["socials"] = [{"platform": s.platform.value, "url": s.url} for s in entity.socials]
        for name in (
            "subscription_settings",
            "customer_email_settings",
            "customer_portal_settings",
            "dispute_settings",
        ):
            row[name] = getattr(entity, name).to_dict()
        row["status"] = entity.status.value
        row["default_tax_behavior"] = entity.default_tax_behavior.value
        return row

    def get_readable_statement(self, kind: SubjectKind) -> Select[Any]:
        return where_readable(self.get_base_statement(), organizations.c.id, kind)

    async def get(self, id: uuid.UUID) -> Organization | None:
        return await self.get_by_id(id)

    async def get_readable(self, subject: AuthSubject, id: uuid.UUID) -> Organization | None:
        statement = self.cached(
            lambda kind: self.get_readable_statement(kind).where(
                organizations.c.id == bindparam("id", type_=Uuid)
            ),
            subject.kind,
        )
        return await self.get_one_or_none(statement, {**subject_params(subject), "id": id})

    async def list_readable(
        self,
        subject: AuthSubject,
        *,
        slug: str | None = None,
        pagination: PaginationParams,
        sorting: Sequence[Sorting[OrganizationSortProperty]],
    ) -> Page[Organization]:
        def build(
            kind: SubjectKind, by_slug: bool, sorting: tuple[Sorting[OrganizationSortProperty], ...]
        ) -> Select[Any]:
            statement = self.get_readable_statement(kind)
            if by_slug:
                statement = statement.where(organizations.c.slug == bindparam("slug"))
            return self.apply_sorting(statement, sorting)

        statement = self.cached(build, subject.kind, slug is not None, tuple(sorting))
        params = {**subject_params(subject), "slug": slug}
        return await self.paginate(statement, pagination, params)

    async def get_by_slug(self, slug: str) -> Organization | None:
        return await self.get_one_or_none(
            self.get_base_statement().where(organizations.c.slug == slug)
        )


class SqlAlchemyMembershipRepository(SoftDeletionMixin[Membership], RepositoryBase[Membership]):
    table = memberships
    entity = Membership

    def to_entity(self, row: Mapping[Any, Any]) -> Membership:
        membership = super().to_entity(row)
        membership.role = MemberRole(row["role"])
        return membership

    def to_row(self, entity: Membership) -> dict[str, Any]:
        row = super().to_row(entity)
        row["role"] = entity.role.value
        return row

    async def get(self, user_id: uuid.UUID, organization_id: uuid.UUID) -> Membership | None:
        return await self.get_one_or_none(
            self.get_base_statement().where(
                memberships.c.user_id == user_id,
                memberships.c.organization_id == organization_id,
            )
        )

    async def list_for_organization(self, organization_id: uuid.UUID) -> Sequence[Membership]:
        return await self.get_all(
            self.get_base_statement()
            .where(memberships.c.organization_id == organization_id)
            .order_by(memberships.c.created_at, memberships.c.id)
        )

    async def update(
        self, membership: Membership, changes: dict[str, Any] | None = None
    ) -> Membership:
        return await super().update(membership, changes)
