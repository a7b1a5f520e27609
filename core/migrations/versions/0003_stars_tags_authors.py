"""Team gallery: a star and an author on each record, tags in their own table, indexes for the new filters.

Existing rows are adopted: none is starred, none has an author, none has a tag.

Revision ID: 0003
Revises: 0002
Create Date: 2025-01-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

TABLE = "image_records"
TAGS = "record_tags"
# Each pairs a filter with created_at so "filter, newest first, one page" reads the index in order.
STARRED_INDEX = "ix_image_records_starred_created_at"
CREATOR_INDEX = "ix_image_records_created_by_created_at"
# The primary key (record_id, tag) serves "tags of these records"; this one serves "records with this tag".
TAG_INDEX = "ix_record_tags_tag"


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("starred", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("created_by", sa.String(255), nullable=True))
    op.create_index(STARRED_INDEX, TABLE, ["starred", "created_at"])
    op.create_index(CREATOR_INDEX, TABLE, ["created_by", "created_at"])
    op.create_table(
        TAGS,
        sa.Column("record_id", sa.Integer(), sa.ForeignKey(f"{TABLE}.id", ondelete="CASCADE"), nullable=False),
        sa.Column("tag", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("record_id", "tag", name="pk_record_tags"),
    )
    op.create_index(TAG_INDEX, TAGS, ["tag", "record_id"])


def downgrade() -> None:
    op.drop_index(TAG_INDEX, table_name=TAGS)
    op.drop_table(TAGS)
    op.drop_index(CREATOR_INDEX, table_name=TABLE)
    op.drop_index(STARRED_INDEX, table_name=TABLE)
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_column("created_by")
        batch.drop_column("starred")
