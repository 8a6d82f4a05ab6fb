"""Running Alembic migrations from code (start-up of the embedded server, tests, the CLI)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncConnection

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def upgrade(connection: AsyncConnection, revision: str = "head") -> None:
    """Migrate the database behind `connection` (an advisory lock keeps concurrent runs apart)."""

    def _upgrade(sync_connection: object) -> None:
        config = alembic_config()
        config.attributes["connection"] = sync_connection
        command.upgrade(config, revision)

    from sqlalchemy import text

    await connection.execute(text("SELECT pg_advisory_lock(724011)"))
    try:
        await connection.run_sync(_upgrade)
        await connection.commit()
    finally:
        await connection.execute(text("SELECT pg_advisory_unlock(724011)"))
        await connection.commit()
