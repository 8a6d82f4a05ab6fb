"""Webhook use cases: endpoints, fan-out of domain events, delivery with retries.

`WebhookService` gathers the use cases of the modules next to this one: `endpoints` (endpoint
CRUD), `fan_out` (a domain event becomes stored webhook events) and `delivery` (the delivery log,
redelivery and the periodic jobs, and `WebhookDeliverer`, which sends); `guard` refuses URLs
that could reach inside the network.

The path of an event:

1. A use case enqueues its job (`product.updated`, product_id=…, organization_id=…) through the
   unit of work: an outbox row in the same transaction as the change.
2. The job's task calls `WebhookService.fan_out`: if the organization has endpoints subscribed
   to the type, the catalogue renders the resource as the REST API shows it, and one webhook
   event per enabled endpoint subscribed to the type is stored, in one transaction. Event ids
   derive from the job id and the endpoint, so a job run twice stores nothing new. Once it has
   committed, the same job sends to the endpoints that had nothing pending; an endpoint with
   pending events has a job sending them already, which takes the new one in turn.
3. `WebhookDeliverer.deliver` sends the endpoint's sendable events oldest first (see
   `WebhookEventRepository.claim_next`) and records each attempt. Everything it needs to resume
   is in the database: a killed worker leaves a lease that expires, and the sweeper
   (`dispatch_due`, periodic) queues every endpoint with due events again.
"""

from __future__ import annotations

from application.ports import Clock
from application.webhooks.delivery import DeliveryPolicy, WebhookDeliveries
from application.webhooks.endpoints import WebhookEndpoints
from application.webhooks.fan_out import WebhookFanOut
from application.webhooks.guard import UrlGuard
from application.webhooks.ports import EmailSender, WebhookCatalogue


class WebhookService(WebhookEndpoints, WebhookFanOut, WebhookDeliveries):
    def __init__(
        self,
        clock: Clock,
        catalogue: WebhookCatalogue,
        guard: UrlGuard,
        email: EmailSender,
        policy: DeliveryPolicy | None = None,
    ) -> None:
        self.clock = clock
        self.catalogue = catalogue
        self.guard = guard
        self.email = email
        self.policy = policy or DeliveryPolicy()
