"""The wrong-password budget per client address, and a secret of the deployment that signs the passes.

Attempts are counted per client (`sign_in_attempts.client`), a client that spends its budget is locked
alone (`sign_in_clients`), and the old one-row budget (`sign_in_budget`, id 1) stays as the global ceiling.
`pass_secrets` holds one random value made here, once per database: every replica sharing the database
signs and accepts the same passes, and another deployment with the same APP_PASSWORD does not.

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("sign_in_attempts") as batch:
        batch.add_column(sa.Column("client", sa.String(64), nullable=False, server_default=""))
        batch.create_index("ix_sign_in_attempts_client", ["client"])
    op.create_table(
        "sign_in_clients",
        sa.Column("client", sa.String(64), primary_key=True),
        sa.Column("locked_until", sa.Float(), nullable=False),
        sa.Column("lock_level", sa.Integer(), nullable=False),
    )
    op.create_index("ix_sign_in_clients_locked_until", "sign_in_clients", ["locked_until"])
    table = op.create_table(
        "pass_secrets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("secret", sa.String(128), nullable=False),
    )
    # Made here, once: no two replicas race to create it, and it never leaves the database.
    op.bulk_insert(table, [{"id": 1, "secret": secrets.token_hex(32)}])


def downgrade() -> None:
    op.drop_table("pass_secrets")
    op.drop_index("ix_sign_in_clients_locked_until", table_name="sign_in_clients")
    op.drop_table("sign_in_clients")
    with op.batch_alter_table("sign_in_attempts") as batch:
        batch.drop_index("ix_sign_in_attempts_client")
        batch.drop_column("client")
