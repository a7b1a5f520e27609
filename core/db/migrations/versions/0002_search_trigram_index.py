"""Trigram index for History search on PostgreSQL; nothing to do on SQLite.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

INDEX = "ix_image_records_search_trgm"
# Must stay character for character the SEARCH_TEXT_SQL of core/db/history_filters.py, or the planner ignores the index.
SEARCH_TEXT_SQL = "(coalesce(prompt, '') || ' ' || coalesce(description, '') || ' ' || coalesce(transcript, ''))"

log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    if not _trigram_extension_ready(bind):
        log.warning(
            "pg_trgm is not available to this user: History search works but scans every row. "
            "Ask an administrator to run CREATE EXTENSION pg_trgm, then re-run this revision "
            "(`alembic downgrade 0001`, then `python -m core migrate`) to add the index."
        )
        return
    op.execute(
        sa.text(f"CREATE INDEX IF NOT EXISTS {INDEX} ON image_records USING gin ({SEARCH_TEXT_SQL} gin_trgm_ops)")
    )


def _trigram_extension_ready(bind: sa.Connection) -> bool:
    if bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first():
        return True
    try:
        # A savepoint, so that a refused CREATE EXTENSION does not abort the whole migration.
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        return False
    return True


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text(f"DROP INDEX IF EXISTS {INDEX}"))
