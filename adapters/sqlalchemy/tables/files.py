"""Files: the records of objects in storage."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, String, Table, Uuid

from adapters.sqlalchemy.tables.base import list_index, metadata, record_columns

files = Table(
    "files",
    metadata,
    *record_columns(),
    Column(
        "organization_id", Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    ),
    Column("name", String(1024), nullable=False),
    Column("path", String(1024), nullable=False),
    Column("mime_type", String(255), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("service", String(32), nullable=False),
    Column("version", String(255), nullable=True),
    Column("upload_id", String(1024), nullable=True),
    Column("upload_state", String(16), nullable=False),
    Column("checksum_sha256_base64", String(64), nullable=True),
    Column("checksum_sha256_hex", String(64), nullable=True),
    Column("checksum_etag", String(255), nullable=True),
    Column("storage_version", String(1024), nullable=True),
    Column("last_modified_at", DateTime(timezone=True), nullable=True),
)
# Lists are per organization, newest first.
list_index("ix_files_organization_id_created_at", files, files.c.created_at)
