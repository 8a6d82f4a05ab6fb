"""Inputs of the organization use cases (also the request bodies of the HTTP API)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AnyHttpUrl, EmailStr, Field, StrictBool, StringConstraints

from application.kit.inputs import Command, JsonInt
from domain.organization import (
    CustomerEmailSettings,
    CustomerPortalSettings,
    DisputeSettings,
    SocialPlatform,
    SubscriptionSettings,
    TaxBehavior,
)

OrganizationName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)
]
OrganizationSlug = Annotated[str, StringConstraints(min_length=3, max_length=64)]
Url = Annotated[AnyHttpUrl, Field(max_length=2048)]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Currency = Annotated[str, StringConstraints(pattern=r"^[a-z]{3}$")]


class SocialLinkInput(Command):
    platform: SocialPlatform
    url: Url


class SubscriptionSettingsInput(Command):
    allow_multiple_subscriptions: StrictBool
    proration_behavior: Literal["invoice", "prorate", "next_period"]
    benefit_revocation_grace_period: Annotated[JsonInt, Field(ge=0, le=3650)]
    prevent_trial_abuse: StrictBool
    allow_customer_updates: StrictBool = True

    def to_domain(self) -> SubscriptionSettings:
        return SubscriptionSettings.from_dict(self.model_dump())


class CustomerEmailSettingsInput(Command):
    order_confirmation: StrictBool
    subscription_cancellation: StrictBool
    subscription_confirmation: StrictBool
    subscription_cycled: StrictBool
    subscription_cycled_after_trial: StrictBool = True
    subscription_past_due: StrictBool
    subscription_renewal_reminder: StrictBool = True
    subscription_revoked: StrictBool
    subscription_trial_conversion_reminder: StrictBool = True
    subscription_uncanceled: StrictBool
    subscription_updated: StrictBool
    payment_method_expiration_reminder: StrictBool = True
    subscription_paused: StrictBool = True
    subscription_resumed: StrictBool = True

    def to_domain(self) -> CustomerEmailSettings:
        return CustomerEmailSettings.from_dict(self.model_dump())


class _PortalUsage(Command):
    show: StrictBool


class _PortalSubscription(Command):
    update_seats: StrictBool
    update_plan: StrictBool
    update_units: StrictBool | None = None
    pause: StrictBool | None = None


class _PortalCustomer(Command):
    allow_email_change: StrictBool | None = None


class CustomerPortalSettingsInput(Command):
    usage: _PortalUsage
    subscription: _PortalSubscription
    customer: _PortalCustomer | None = None

    def to_domain(self) -> CustomerPortalSettings:
        defaults = CustomerPortalSettings()
        customer = self.customer or _PortalCustomer()
        return CustomerPortalSettings(
            usage_show=self.usage.show,
            subscription_update_seats=self.subscription.update_seats,
            subscription_update_plan=self.subscription.update_plan,
            subscription_update_units=(
                defaults.subscription_update_units
                if self.subscription.update_units is None
                else self.subscription.update_units
            ),
            subscription_pause=(
                defaults.subscription_pause
                if self.subscription.pause is None
                else self.subscription.pause
            ),
            customer_allow_email_change=(
                defaults.customer_allow_email_change
                if customer.allow_email_change is None
                else customer.allow_email_change
            ),
        )


class DisputeSettingsInput(Command):
    auto_accept_below_amount: Annotated[JsonInt, Field(ge=0, le=100_000_000)] | None = None

    def to_domain(self) -> DisputeSettings:
        return DisputeSettings(auto_accept_below_amount=self.auto_accept_below_amount)


class FeatureSettingsInput(Command):
    # Feature flags are informational on a self-hosted server; unknown flags are ignored.
    model_config = {"extra": "allow"}


class _OrganizationFields(Command):
    avatar_url: Url | None = None
    email: EmailStr | None = None
    website: Url | None = None
    socials: Annotated[list[SocialLinkInput], Field(max_length=20)] | None = None
    country: Country | None = None
    feature_settings: FeatureSettingsInput | None = None
    subscription_settings: SubscriptionSettingsInput | None = None
    customer_email_settings: CustomerEmailSettingsInput | None = None
    customer_portal_settings: CustomerPortalSettingsInput | None = None
    default_presentment_currency: Currency | None = None
    default_tax_behavior: TaxBehavior | None = None

    def domain_changes(self) -> dict[str, Any]:
        """The attributes this input sets, converted to domain values (only fields sent)."""
        from domain.organization import SocialLink

        changes: dict[str, Any] = {}
        sent = self.model_fields_set
        for name in ("email", "country", "default_presentment_currency", "default_tax_behavior"):
            if name in sent:
                changes[name] = getattr(self, name)
        for name in ("avatar_url", "website"):
            if name in sent:
                value = getattr(self, name)
                changes[name] = None if value is None else str(value)
        if "socials" in sent:
            changes["socials"] = [
                SocialLink(platform=s.platform, url=str(s.url)) for s in (self.socials or [])
            ]
        if "feature_settings" in sent and self.feature_settings is not None:
            changes["feature_settings"] = {
                k: bool(v)
                for k, v in (self.feature_settings.model_extra or {}).items()
                if isinstance(v, bool)
            }
        for name in (
            "subscription_settings",
            "customer_email_settings",
            "customer_portal_settings",
        ):
            value = getattr(self, name)
            if name in sent and value is not None:
                changes[name] = value.to_domain()
        # Explicit nulls for non-nullable settings mean "leave as is".
        return {
            k: v
            for k, v in changes.items()
            if v is not None or k in ("avatar_url", "email", "website", "country")
        }


class OrganizationCreate(_OrganizationFields):
    name: OrganizationName
    slug: OrganizationSlug


class OrganizationUpdate(_OrganizationFields):
    name: OrganizationName | None = None
    dispute_settings: DisputeSettingsInput | None = None
    embed_hosts: (
        Annotated[
            list[Annotated[str, StringConstraints(min_length=1, max_length=255)]],
            Field(max_length=50),
        ]
        | None
    ) = None

    def domain_changes(self) -> dict[str, Any]:
        changes = super().domain_changes()
        if self.name is not None:
            changes["name"] = self.name
        if self.dispute_settings is not None:
            changes["dispute_settings"] = self.dispute_settings.to_domain()
        if self.embed_hosts is not None:
            changes["embed_hosts"] = list(self.embed_hosts)
        return changes
