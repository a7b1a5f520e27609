"""SQLite: `image_records` and `drafts` get AUTOINCREMENT, so a deleted row's id is never given to a new row.

Without it SQLite numbers a new row highest id + 1: delete the newest record and the next one takes its id,
so an old edit's parent_id, a share link, a bookmarked `?id=` or a tab's draft could name an unrelated image.
PostgreSQL's sequences never reuse an id, so there is nothing to do there.

SQLite can only get AUTOINCREMENT by rebuilding a table (batch mode). The rebuild's DROP TABLE runs the ON
DELETE action of every key pointing at image_records (SET NULL on the parents of records and drafts, CASCADE
on record_embeddings), and PRAGMA foreign_keys cannot be switched off inside the migration's transaction:
so those rows are noted before and put back after, with the checks deferred to the commit (as in 0010).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | None = None
depends_on: str | None = None

TABLES = ("drafts", "image_records")
_PARENTS = {"image_records": "_kept_record_parents", "drafts": "_kept_draft_parents"}
_EMBEDDINGS = "_kept_record_embeddings"


def upgrade() -> None:
    _rebuild(autoincrement=True)


def downgrade() -> None:
    _rebuild(autoincrement=False)


def _rebuild(*, autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("PRAGMA defer_foreign_keys = ON")
    for table, kept in _PARENTS.items():
        op.execute(f"CREATE TEMPORARY TABLE {kept} AS SELECT id, parent_id FROM {table} WHERE parent_id IS NOT NULL")
    op.execute(f"CREATE TEMPORARY TABLE {_EMBEDDINGS} AS SELECT * FROM record_embeddings")
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}):
            pass  # the rebuild itself is the change
    for table, kept in _PARENTS.items():
        op.execute(
            f"UPDATE {table} SET parent_id = (SELECT k.parent_id FROM {kept} AS k WHERE k.id = {table}.id) "
            f"WHERE id IN (SELECT id FROM {kept})"
        )
        op.execute(f"DROP TABLE {kept}")
    op.execute("DELETE FROM record_embeddings")  # the cascade emptied it; nothing else may be left to clash
    op.execute(f"INSERT INTO record_embeddings SELECT * FROM {_EMBEDDINGS}")
    op.execute(f"DROP TABLE {_EMBEDDINGS}")
