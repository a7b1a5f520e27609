"""Share links for people without the password: a token's SHA-256 digest, the images it opens, expiry, views.

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "share_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_digest", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(255), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("views", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_index("ix_share_links_token_digest", "share_links", ["token_digest"], unique=True)
    op.create_table(
        "share_link_images",
        sa.Column("link_id", sa.Integer(), sa.ForeignKey("share_links.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("record_id", sa.Integer(), nullable=False),
    )
    op.create_index("ix_share_link_images_record_id", "share_link_images", ["record_id"])


def downgrade() -> None:
    op.drop_index("ix_share_link_images_record_id", table_name="share_link_images")
    op.drop_table("share_link_images")
    op.drop_index("ix_share_links_token_digest", table_name="share_links")
    op.drop_table("share_links")
