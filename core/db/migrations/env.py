"""Alembic environment: uses the connection `core.db.migrate` hands over, or the app's settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, text

from core.db.engine import create_engine_for
from core.db.schema import Base

# Any constant works; it only has to be the same for every process migrating this database.
MIGRATION_LOCK_ID = 7_245_019_331


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Two app processes starting together would otherwise both try to create the table.
            connection.execute(text("SELECT pg_advisory_xact_lock(:lock_id)"), {"lock_id": MIGRATION_LOCK_ID})
        context.run_migrations()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        from core.config.settings import load_settings

        url = load_settings().database_url
    engine = create_engine_for(url)
    try:
        with engine.begin() as connection:
            run_migrations(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported: run `python -m core migrate` instead.")
run_online()
