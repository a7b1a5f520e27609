"""Edits and their families: the record an image was edited from, and the instruction that changed it.

Existing rows are adopted as first images (both columns NULL). The index serves "the children of these
records", the step by which a family is gathered from any member.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

TABLE = "image_records"


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("edit_instruction", sa.Text(), nullable=True))
        batch.create_index("ix_image_records_parent_id", ["parent_id"])


def downgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_index("ix_image_records_parent_id")
        batch.drop_column("edit_instruction")
        batch.drop_column("parent_id")
