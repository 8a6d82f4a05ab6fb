"""The migrations build exactly the schema the tables describe, and can be undone."""

from __future__ import annotations

import uuid

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from adapters.sqlalchemy.engine import create_engine
from adapters.sqlalchemy.migrate import alembic_config, upgrade
from adapters.sqlalchemy.tables import metadata
from tests import services


async def test_migrations_match_the_tables_and_downgrade() -> None:
    server = services.postgres_server_url()
    name = f"meridian_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, pool_size=1)
    async with admin.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(services.with_database(server, name), pool_size=1)
    try:
        async with engine.connect() as connection:
            await upgrade(connection)

            def drift(sync_connection: object) -> list[object]:
                context = MigrationContext.configure(sync_connection)  # type: ignore[arg-type]
                return list(compare_metadata(context, metadata))

            assert await connection.run_sync(drift) == []

            def down_and_up(sync_connection: object) -> None:
                config = alembic_config()
                config.attributes["connection"] = sync_connection
                command.downgrade(config, "base")
                command.upgrade(config, "head")

            await connection.run_sync(down_and_up)
            await connection.commit()
            tables = await connection.execute(
                text(
                    "SELECT count(*) FROM information_schema.tables WHERE table_name = 'organizations'"
                )
            )
            assert tables.scalar_one() == 1
    finally:
        await engine.dispose()
        async with admin.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
