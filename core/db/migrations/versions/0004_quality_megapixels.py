"""The output quality and megapixels of each saved image, so History's "Reuse settings" restores them.

Existing rows are adopted with neither (NULL): reusing one keeps Create's current quality and megapixels.

Revision ID: 0004
Revises: 0003
Create Date: 2025-01-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

TABLE = "image_records"


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("output_quality", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("megapixels", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_column("megapixels")
        batch.drop_column("output_quality")
