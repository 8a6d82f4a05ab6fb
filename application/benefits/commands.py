"""Inputs of the benefit use cases (also the request bodies of the HTTP API).

The client's `Benefit<Type>Create` / `Benefit<Type>Update` models share every field but
`properties`, whose shape depends on `type`. The commands take `properties` as a plain object;
the strategy registered for the type checks it (application/benefits/ports.py).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from application.kit.inputs import Command
from application.kit.metadata import MetadataInput
from domain.benefit import BenefitVisibility

BenefitTypeName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
# Lengths are the domain's rule (domain/benefit.py); this bound only keeps bodies sane.
Description = Annotated[str, StringConstraints(max_length=1_000)]
Properties = dict[str, Any]


class BenefitCreate(Command):
    type: BenefitTypeName
    description: Description
    organization_id: uuid.UUID | None = None
    visibility: BenefitVisibility | None = None
    metadata: MetadataInput = Field(default_factory=dict)
    properties: Properties


class BenefitUpdate(Command):
    """Fields left out (or null) are unchanged; `properties`, when sent, replace the old ones
    whole. `type` must repeat the benefit's type: it never changes."""

    type: BenefitTypeName
    description: Description | None = None
    visibility: BenefitVisibility | None = None
    metadata: MetadataInput | None = None
    properties: Properties | None = None
