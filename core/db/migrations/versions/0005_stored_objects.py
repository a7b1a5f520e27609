"""The ledger of uploaded objects (`stored_objects`), so gc deletes only what this database wrote.

Existing rows are adopted: the image and thumbnail keys they use go into the ledger with the row's time,
so deleting such a record later frees its objects as before. Objects no row uses from before this
revision are not adopted: whose they are cannot be known, so gc leaves them alone.
The two key columns get indexes, since gc asks "does any record use this key?" for every ledger entry.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

_ADOPT = """
INSERT INTO stored_objects (key, created_at)
SELECT k, coalesce(min(created_at), CURRENT_TIMESTAMP) FROM (
    SELECT image_filename AS k, created_at FROM image_records
    UNION ALL SELECT thumbnail_filename, created_at FROM image_records
) AS used
WHERE k IS NOT NULL AND k <> '' GROUP BY k
"""


def upgrade() -> None:
    op.create_table(
        "stored_objects",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.execute(_ADOPT)
    op.create_index("ix_image_records_image_filename", "image_records", ["image_filename"])
    op.create_index("ix_image_records_thumbnail_filename", "image_records", ["thumbnail_filename"])


def downgrade() -> None:
    op.drop_index("ix_image_records_thumbnail_filename", table_name="image_records")
    op.drop_index("ix_image_records_image_filename", table_name="image_records")
    op.drop_table("stored_objects")
