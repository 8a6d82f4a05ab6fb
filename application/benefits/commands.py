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
from domain.benefit import DESCRIPTION_MAX_LENGTH, DESCRIPTION_MIN_LENGTH, BenefitVisibility

BenefitTypeName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
# The domain's rule (domain/benefit.py), stated here too so that the API documents it.
Description = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        min_length=DESCRIPTION_MIN_LENGTH,
        max_length=DESCRIPTION_MAX_LENGTH,
    ),
]
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
