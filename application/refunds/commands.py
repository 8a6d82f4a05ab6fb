"""Inputs of the refund use cases (also the request bodies): the client's `RefundCreate`."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import Field, StringConstraints

from application.kit.inputs import Command
from application.kit.metadata import MetadataInput
from domain.refund import RefundReason


class RefundCreate(Command):
    metadata: MetadataInput = Field(default_factory=dict)
    order_id: uuid.UUID
    reason: RefundReason
    amount: Annotated[int, Field(ge=1, le=99_999_999)]
    comment: Annotated[str, StringConstraints(max_length=1024)] | None = None
    revoke_benefits: bool = False
