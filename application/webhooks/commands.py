"""Inputs of the webhook endpoint use cases (the client's `WebhookEndpointCreate|Update`)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import Field, StrictBool, StringConstraints

from application.kit.inputs import Command
from domain.webhook import NAME_MAX_LENGTH, URL_MAX_LENGTH, WebhookFormat

Url = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=URL_MAX_LENGTH)
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=NAME_MAX_LENGTH)]
ApiVersion = Literal["2026-04", "2026-10"]
# Which types exist is the catalogue's business (WebhookService checks them, naming the index).
EventTypeList = Annotated[
    list[Annotated[str, StringConstraints(max_length=64)]], Field(min_length=1, max_length=100)
]


class WebhookEndpointCreate(Command):
    url: Url
    name: Name | None = None
    api_version: ApiVersion = "2026-10"
    format: WebhookFormat
    events: EventTypeList
    organization_id: uuid.UUID | None = None


class WebhookEndpointUpdate(Command):
    """Fields left out are unchanged; `null` leaves them unchanged too, except `name`, which it
    clears."""

    url: Url | None = None
    name: Name | None = None
    api_version: ApiVersion | None = None
    format: WebhookFormat | None = None
    events: EventTypeList | None = None
    enabled: StrictBool | None = None
