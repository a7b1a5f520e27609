"""Team gallery: a star, an author and tags on each record, and indexes for the new filters.

Existing rows are adopted: none is starred, none has an author, none has a tag.

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

TABLE = "image_records"
# Each pairs a filter with created_at so "filter, newest first, one page" reads the index in order.
STARRED_INDEX = "ix_image_records_starred_created_at"
CREATOR_INDEX = "ix_image_records_created_by_created_at"
# GIN on PostgreSQL: "has these tags" as a bitmap that combines with the trigram search index.
TAG_INDEX = "ix_image_records_tags"


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    # A text[] on PostgreSQL, a JSON list on SQLite; existing rows get an empty list.
    tags = (
        sa.Column("tags", postgresql.ARRAY(sa.String(64)), nullable=False, server_default=sa.text("'{}'"))
        if postgres
        else sa.Column("tags", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
    )
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("starred", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("created_by", sa.String(255), nullable=True))
        batch.add_column(tags)
    op.create_index(STARRED_INDEX, TABLE, ["starred", "created_at"])
    op.create_index(CREATOR_INDEX, TABLE, ["created_by", "created_at"])
    op.create_index(TAG_INDEX, TABLE, ["tags"], postgresql_using="gin")


def downgrade() -> None:
    op.drop_index(TAG_INDEX, table_name=TABLE)
    op.drop_index(CREATOR_INDEX, table_name=TABLE)
    op.drop_index(STARRED_INDEX, table_name=TABLE)
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_column("tags")
        batch.drop_column("created_by")
        batch.drop_column("starred")
