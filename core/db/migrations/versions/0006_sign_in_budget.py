"""The shared-password budget and revoked passes, in the database so every replica shares them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    budget = op.create_table(
        "sign_in_budget",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("locked_until", sa.Float(), nullable=False),
        sa.Column("lock_level", sa.Integer(), nullable=False),
    )
    # The row every check locks first: created here, so no two replicas race to create it.
    op.bulk_insert(budget, [{"id": 1, "locked_until": 0.0, "lock_level": 0}])
    op.create_table(
        "sign_in_attempts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("attempted_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_sign_in_attempts_attempted_at", "sign_in_attempts", ["attempted_at"])
    op.create_table(
        "revoked_passes",
        sa.Column("pass_id", sa.String(64), primary_key=True),
        sa.Column("expires_at", sa.Float(), nullable=False),
    )
    op.create_index("ix_revoked_passes_expires_at", "revoked_passes", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_revoked_passes_expires_at", table_name="revoked_passes")
    op.drop_table("revoked_passes")
    op.drop_index("ix_sign_in_attempts_attempted_at", table_name="sign_in_attempts")
    op.drop_table("sign_in_attempts")
    op.drop_table("sign_in_budget")
