"""Wire format of organizations (Polar's `Organization`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import UUID4

from domain.organization import Organization
from entrypoints.http.kit.responses import Wire, wire_format
from entrypoints.http.kit.schemas import Schema


class SocialLinkSchema(Schema):
    platform: str
    url: str


class CapabilitiesSchema(Schema):
    checkout_payments: bool
    subscription_renewals: bool
    payouts: bool
    refunds: bool
    api_access: bool
    dashboard_access: bool


class SubscriptionSettingsSchema(Schema):
    allow_multiple_subscriptions: bool
    proration_behavior: str
    benefit_revocation_grace_period: int
    prevent_trial_abuse: bool
    allow_customer_updates: bool


class PortalUsageSchema(Schema):
    show: bool


class PortalSubscriptionSchema(Schema):
    update_seats: bool
    update_plan: bool
    update_units: bool
    pause: bool


class PortalCustomerSchema(Schema):
    allow_email_change: bool


class CustomerPortalSettingsSchema(Schema):
    usage: PortalUsageSchema
    subscription: PortalSubscriptionSchema
    customer: PortalCustomerSchema


class DisputeSettingsSchema(Schema):
    auto_accept_below_amount: int | None


class OrganizationSchema(Schema):
    created_at: datetime
    modified_at: datetime | None
    id: UUID4
    name: str
    slug: str
    avatar_url: str | None
    proration_behavior: str
    allow_customer_updates: bool
    email: str | None
    website: str | None
    socials: list[SocialLinkSchema]
    status: str
    details_submitted_at: datetime | None
    onboarding_resubmission_requested_at: datetime | None
    sso_enforced: bool
    default_presentment_currency: str
    default_tax_behavior: Literal["location", "inclusive", "exclusive"]
    feature_settings: dict[str, bool]
    subscription_settings: SubscriptionSettingsSchema
    customer_email_settings: dict[str, bool]
    customer_portal_settings: CustomerPortalSettingsSchema
    dispute_settings: DisputeSettingsSchema
    embed_hosts: list[str]
    country: str | None
    account_id: UUID4 | None
    payout_account_id: UUID4 | None
    capabilities: CapabilitiesSchema


@wire_format(OrganizationSchema)
def organization_wire(o: Organization) -> Wire:
    """An organization's wire document, in OrganizationSchema's field order."""
    operational = o.is_operational
    subscription = o.subscription_settings
    portal = o.customer_portal_settings
    return {
        "created_at": o.created_at,
        "modified_at": o.modified_at,
        "id": o.id,
        "name": o.name,
        "slug": o.slug,
        "avatar_url": o.avatar_url,
        "proration_behavior": subscription.proration_behavior,
        "allow_customer_updates": subscription.allow_customer_updates,
        "email": o.email,
        "website": o.website,
        "socials": [{"platform": s.platform.value, "url": s.url} for s in o.socials],
        "status": o.status.value,
        "details_submitted_at": o.details_submitted_at,
        "onboarding_resubmission_requested_at": None,
        "sso_enforced": False,
        "default_presentment_currency": o.default_presentment_currency,
        "default_tax_behavior": o.default_tax_behavior.value,
        "feature_settings": o.feature_settings,
        "subscription_settings": {
            "allow_multiple_subscriptions": subscription.allow_multiple_subscriptions,
            "proration_behavior": subscription.proration_behavior,
            "benefit_revocation_grace_period": subscription.benefit_revocation_grace_period,
            "prevent_trial_abuse": subscription.prevent_trial_abuse,
            "allow_customer_updates": subscription.allow_customer_updates,
        },
        "customer_email_settings": o.customer_email_settings.to_dict(),
        "customer_portal_settings": {
            "usage": {"show": portal.usage_show},
            "subscription": {
                "update_seats": portal.subscription_update_seats,
                "update_plan": portal.subscription_update_plan,
                "update_units": portal.subscription_update_units,
                "pause": portal.subscription_pause,
            },
            "customer": {"allow_email_change": portal.customer_allow_email_change},
        },
        "dispute_settings": {
            "auto_accept_below_amount": o.dispute_settings.auto_accept_below_amount
        },
        "embed_hosts": o.embed_hosts,
        "country": o.country,
        "account_id": None,
        "payout_account_id": None,
        "capabilities": {
            "checkout_payments": operational,
            "subscription_renewals": operational,
            "payouts": False,  # Payouts happen outside a self-hosted Meridian.
            "refunds": operational,
            "api_access": operational,
            "dashboard_access": True,
        },
    }
