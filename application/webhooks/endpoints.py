"""Webhook endpoint use cases: register, read, change, rotate the secret of and delete the
endpoints an organization's events are sent to."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from application.auth import AuthSubject
from application.kit.errors import ResourceNotFound, ValidationFailed, invariants_as_validation
from application.kit.pagination import Page, PaginationParams
from application.kit.tenancy import target_organization
from application.ports import Clock
from application.webhooks.commands import WebhookEndpointCreate, WebhookEndpointUpdate
from application.webhooks.guard import UrlGuard
from application.webhooks.ports import WebhookCatalogue, WebhookUnitOfWork
from domain.webhook import POLAR_EVENT_TYPES, WebhookEndpoint, generate_secret, validate_events


class WebhookEndpoints:
    """The endpoint use cases of `WebhookService`. Any member of an organization (or its own
    token) holding `webhooks:write` manages its endpoints, as with the rest of the catalogue."""

    clock: Clock
    catalogue: WebhookCatalogue
    guard: UrlGuard

    @property
    def known_event_types(self) -> frozenset[str]:
        return frozenset(POLAR_EVENT_TYPES) | self.catalogue.event_types

    async def list_endpoints(
        self,
        uow: WebhookUnitOfWork,
        subject: AuthSubject,
        *,
        organization_ids: Sequence[uuid.UUID] | None = None,
        pagination: PaginationParams,
    ) -> Page[WebhookEndpoint]:
        return await uow.webhook_endpoints.list_readable(
            subject, organization_ids=organization_ids, pagination=pagination
        )

    async def get_endpoint(
        self, uow: WebhookUnitOfWork, subject: AuthSubject, id: uuid.UUID
    ) -> WebhookEndpoint:
        endpoint = await uow.webhook_endpoints.get_readable(subject, id)
        if endpoint is None:
            raise ResourceNotFound("Webhook endpoint not found.")
        return endpoint

    async def create_endpoint(
        self, uow: WebhookUnitOfWork, subject: AuthSubject, command: WebhookEndpointCreate
    ) -> WebhookEndpoint:
        organization = await target_organization(uow, subject, command.organization_id)
        events = self._events(command.events)
        await self._check_url(command.url)
        endpoint = WebhookEndpoint(
            created_at=self.clock.now(),
            organization_id=organization.id,
            url=command.url,
            name=command.name or None,
            api_version=command.api_version,
            format=command.format,
            secret=generate_secret(),
            events=events,
        )
        await uow.webhook_endpoints.create(endpoint)
        return endpoint

    async def update_endpoint(
        self,
        uow: WebhookUnitOfWork,
        subject: AuthSubject,
        id: uuid.UUID,
        command: WebhookEndpointUpdate,
    ) -> WebhookEndpoint:
        endpoint = await self.get_endpoint(uow, subject, id)
        if command.events is not None:
            endpoint.events = self._events(command.events)
        if command.url is not None:
            await self._check_url(command.url)
            endpoint.url = command.url
        if "name" in command.model_fields_set:
            endpoint.name = command.name or None
        if command.api_version is not None:
            endpoint.api_version = command.api_version
        if command.format is not None:
            endpoint.format = command.format
        if command.enabled is True and not endpoint.enabled:
            endpoint.enable()
        elif command.enabled is False:
            endpoint.enabled = False
        return await uow.webhook_endpoints.update(endpoint)

    async def rotate_secret(
        self, uow: WebhookUnitOfWork, subject: AuthSubject, id: uuid.UUID
    ) -> WebhookEndpoint:
        endpoint = await self.get_endpoint(uow, subject, id)
        endpoint.rotate_secret()
        return await uow.webhook_endpoints.update(endpoint)

    async def delete_endpoint(
        self, uow: WebhookUnitOfWork, subject: AuthSubject, id: uuid.UUID
    ) -> None:
        """Soft-delete; its pending events are skipped when their turn comes."""
        endpoint = await self.get_endpoint(uow, subject, id)
        endpoint.soft_delete(self.clock.now())
        await uow.webhook_endpoints.update(endpoint)

    def _events(self, events: Sequence[str]) -> list[str]:
        with invariants_as_validation():
            valid = validate_events(events, self.known_event_types)
        return valid

    async def _check_url(self, url: str) -> None:
        reason = await self.guard.refusal(url, unresolved_ok=True)
        if reason is not None:
            raise ValidationFailed.single(("body", "url"), reason, url)
