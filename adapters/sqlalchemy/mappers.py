"""Rows to entities, for the entities that several repositories read (products load their
benefits and media with their own statements)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from domain.benefit import Benefit, BenefitVisibility
from domain.custom_field import CustomField, CustomFieldType
from domain.file import File, FileService, UploadState


def benefit_entity(row: Mapping[Any, Any]) -> Benefit:
    return Benefit(
        id=row["id"],
        created_at=row["created_at"],
        modified_at=row["modified_at"],
        deleted_at=row["deleted_at"],
        organization_id=row["organization_id"],
        type=row["type"],
        description=row["description"],
        visibility=BenefitVisibility(row["visibility"]),
        selectable=row["selectable"],
        deletable=row["deletable"],
        metadata=dict(row["metadata"]),
        properties=dict(row["properties"]),
    )


_FILE_FIELDS = frozenset(f.name for f in fields(File))


def file_entity(row: Mapping[Any, Any]) -> File:
    """A file from a row of `files` (extra columns, as in a join, are ignored)."""
    file = File(**{k: v for k, v in row.items() if k in _FILE_FIELDS})
    file.service = FileService(row["service"])
    file.upload_state = UploadState(row["upload_state"])
    return file


def custom_field_entity(row: Mapping[Any, Any]) -> CustomField:
    return CustomField(
        id=row["id"],
        created_at=row["created_at"],
        modified_at=row["modified_at"],
        deleted_at=row["deleted_at"],
        organization_id=row["organization_id"],
        type=CustomFieldType(row["type"]),
        slug=row["slug"],
        name=row["name"],
        properties=dict(row["properties"]),
        metadata=dict(row["metadata"]),
    )
