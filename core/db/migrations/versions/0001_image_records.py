"""Create image_records, or adopt the seed-shaped table left by the earlier Gradio app.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from core.domain.errors import DatabaseError

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

TABLE = "image_records"
SEED_COLUMNS = ("id", "prompt", "image_filename", "description", "created_at")
CREATED_AT_INDEX = "ix_image_records_created_at"
IDEMPOTENCY_INDEX = "ix_image_records_idempotency_key"


def _extra_columns() -> list[sa.Column]:
    """Columns the Gradio app did not have; all nullable so old rows stay valid."""
    return [
        sa.Column("transcript", sa.Text(), nullable=True),
        sa.Column("thumbnail_filename", sa.String(255), nullable=True),
        sa.Column("content_type", sa.String(64), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("seed", sa.BigInteger(), nullable=True),
        sa.Column("aspect_ratio", sa.String(16), nullable=True),
        sa.Column("output_format", sa.String(16), nullable=True),
        sa.Column("image_model", sa.String(255), nullable=True),
        sa.Column("caption_model", sa.String(255), nullable=True),
        sa.Column("speech_model", sa.String(255), nullable=True),
        sa.Column("timings_ms", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("idempotency_key", sa.String(64), nullable=True),
    ]


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    if TABLE in inspector.get_table_names():
        _adopt_seed_table(bind, inspector)
    else:
        op.create_table(
            TABLE,
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("prompt", sa.Text(), nullable=False),
            sa.Column("image_filename", sa.String(255), nullable=False),
            sa.Column("description", sa.Text(), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            *_extra_columns(),
        )
    existing_indexes = {index["name"] for index in sa.inspect(bind).get_indexes(TABLE)}
    if CREATED_AT_INDEX not in existing_indexes:
        op.create_index(CREATED_AT_INDEX, TABLE, ["created_at"])
    if IDEMPOTENCY_INDEX not in existing_indexes:
        op.create_index(IDEMPOTENCY_INDEX, TABLE, ["idempotency_key"], unique=True)


def _adopt_seed_table(bind: sa.Connection, inspector: sa.Inspector) -> None:
    """Keep the Gradio app's rows: add what is missing instead of failing on an existing table."""
    columns = {column["name"]: column for column in inspector.get_columns(TABLE)}
    missing_seed = [name for name in SEED_COLUMNS if name not in columns]
    if missing_seed:
        raise DatabaseError(
            f"A table '{TABLE}' already exists but lacks {', '.join(missing_seed)}, so it is not from the "
            "earlier app: rename or drop it, or point DATABASE_URL at another database."
        )
    for column in _extra_columns():
        if column.name not in columns:
            op.add_column(TABLE, column)
    created_at_type = columns["created_at"]["type"]
    if bind.dialect.name == "postgresql" and not getattr(created_at_type, "timezone", False):
        # The Gradio app stored naive datetime.utcnow() values: read them as UTC.
        op.alter_column(
            TABLE,
            "created_at",
            type_=sa.DateTime(timezone=True),
            postgresql_using="created_at AT TIME ZONE 'UTC'",
        )
    # Every view of a record needs a time; unknown old ones get the adoption time.
    op.execute(sa.text(f"UPDATE {TABLE} SET created_at = CURRENT_TIMESTAMP WHERE created_at IS NULL"))


def downgrade() -> None:
    """Return to the seed shape; rows and seed columns are kept so history is never lost."""
    bind = op.get_bind()
    op.drop_index(IDEMPOTENCY_INDEX, table_name=TABLE)
    op.drop_index(CREATED_AT_INDEX, table_name=TABLE)
    with op.batch_alter_table(TABLE) as batch:
        for column in _extra_columns():
            batch.drop_column(column.name)
    if bind.dialect.name == "postgresql":
        op.alter_column(
            TABLE,
            "created_at",
            type_=sa.DateTime(timezone=False),
            postgresql_using="created_at AT TIME ZONE 'UTC'",
        )
