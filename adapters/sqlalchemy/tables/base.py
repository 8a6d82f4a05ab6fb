"""The metadata every table hangs on, and the columns every record shares."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, MetaData, Uuid, func, text

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

LIVE = text("deleted_at IS NULL")


def record_columns() -> list[Column[object]]:
    return [
        Column("id", Uuid, primary_key=True),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("modified_at", DateTime(timezone=True), nullable=True),
        Column("deleted_at", DateTime(timezone=True), nullable=True),
    ]
