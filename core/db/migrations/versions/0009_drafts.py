"""Drafts: paid images stored before anything slow happens, until they are saved or discarded.

A separate table, so History, `history` and the seed columns of `image_records` never see an unsaved image.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("image_key", sa.String(255), nullable=False),
        sa.Column("output_format", sa.String(16), nullable=False),
        sa.Column("idempotency_key", sa.String(64), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("aspect_ratio", sa.String(16), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=True),
        sa.Column("output_quality", sa.Integer(), nullable=True),
        sa.Column("megapixels", sa.String(16), nullable=True),
        sa.Column("image_model", sa.String(255), nullable=False),
        sa.Column("prediction_id", sa.String(64), nullable=True),
        sa.Column("transcript", sa.Text(), nullable=True),
        sa.Column("speech_model", sa.String(255), nullable=True),
        sa.Column("language", sa.String(16), nullable=True),
        sa.Column("caption", sa.Text(), nullable=True),
        sa.Column("caption_model", sa.String(255), nullable=True),
        sa.Column("timings_ms", sa.JSON(none_as_null=True), nullable=True),
        sa.Column(
            "parent_id",
            sa.Integer(),
            sa.ForeignKey("image_records.id", ondelete="SET NULL", name="fk_drafts_parent_id"),
            nullable=True,
        ),
        sa.Column("edit_instruction", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(255), nullable=True),
    )
    op.create_index("ix_drafts_created_at", "drafts", ["created_at"])
    op.create_index("ix_drafts_image_key", "drafts", ["image_key"])
    op.create_index("ix_drafts_created_by", "drafts", ["created_by"])


def downgrade() -> None:
    op.drop_table("drafts")
