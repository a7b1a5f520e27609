"""`image_records.parent_id` becomes a foreign key to `image_records.id`, ON DELETE SET NULL.

Deleting a parent already set its children's parent_id to NULL (core/db/family.py); the key makes that
hold for an edit saved while its source is being deleted, which could otherwise point at a record that is
gone. Dangling parents left by that race before this revision are cleared first, or the key could not be made.
SQLite rebuilds the table (batch mode) to add the key. PRAGMA foreign_keys cannot be switched off inside
the migration's transaction, and the rebuild's DROP TABLE runs the SET NULL action on every table that
points at image_records (the copy and `drafts` included): so the parents are noted before and put back
after, with the checks deferred to the commit.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None

TABLE = "image_records"
KEY = "fk_image_records_parent_id"
_CLEAR_DANGLING = """
UPDATE image_records SET parent_id = NULL
WHERE parent_id IS NOT NULL AND parent_id NOT IN (SELECT id FROM image_records)
"""


_SAVED = {"image_records": "_saved_record_parents", "drafts": "_saved_draft_parents"}


def upgrade() -> None:
    op.execute(_CLEAR_DANGLING)
    with _parents_kept_on_sqlite(), op.batch_alter_table(TABLE) as batch:
        batch.create_foreign_key(KEY, TABLE, ["parent_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with _parents_kept_on_sqlite(), op.batch_alter_table(TABLE) as batch:
        batch.drop_constraint(KEY, type_="foreignkey")


@contextmanager
def _parents_kept_on_sqlite() -> Iterator[None]:
    """On SQLite, note every parent_id before the rebuild and put it back after (see the module's docstring)."""
    if op.get_bind().dialect.name != "sqlite":
        yield
        return
    op.execute("PRAGMA defer_foreign_keys = ON")
    for table, saved in _SAVED.items():
        op.execute(f"CREATE TEMPORARY TABLE {saved} AS SELECT id, parent_id FROM {table} WHERE parent_id IS NOT NULL")
    yield
    for table, saved in _SAVED.items():
        op.execute(
            f"UPDATE {table} SET parent_id = (SELECT s.parent_id FROM {saved} AS s WHERE s.id = {table}.id) "
            f"WHERE id IN (SELECT id FROM {saved})"
        )
        op.execute(f"DROP TABLE {saved}")
