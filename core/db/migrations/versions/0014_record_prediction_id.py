"""`image_records.prediction_id`: the paid Replicate prediction that drew the image, as its draft kept it.

Nullable: rows saved before this revision (and rows adopted from the Gradio app) do not know theirs.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column("image_records", sa.Column("prediction_id", sa.String(64), nullable=True))


def downgrade() -> None:
    # Not batch mode: SQLite (3.35+) drops the column in place, where a rebuild would run every foreign key's
    # ON DELETE action on the tables pointing at image_records (see 0010).
    op.drop_column("image_records", "prediction_id")
