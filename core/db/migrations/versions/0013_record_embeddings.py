"""Record embeddings for search by meaning: a vector per record and model, plus pgvector's HNSW where it exists.

On PostgreSQL with the pgvector extension available, the extension is created (if this role may) and an
`embedding vector` column gets an HNSW index (cosine) for the default model's 384 dimensions; the repository
makes one for another dimension when a model of that size is first stored. Elsewhere vectors are bytes only
and the app searches them exactly.

Revision ID: 0013
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | None = None
depends_on: str | None = None

TABLE = "record_embeddings"
DEFAULT_DIMENSION = 384  # sentence-transformers/all-MiniLM-L6-v2


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("record_id", sa.Integer, sa.ForeignKey("image_records.id", ondelete="CASCADE"), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("dimension", sa.Integer, nullable=False),
        sa.Column("vector", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_record_embeddings_record_id", TABLE, ["record_id"])
    op.create_index("ix_record_embeddings_model_record", TABLE, ["model", "record_id"], unique=True)
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and _pgvector(bind):
        op.execute(f"ALTER TABLE {TABLE} ADD COLUMN embedding vector")
        op.execute(hnsw_index_sql(DEFAULT_DIMENSION))


def downgrade() -> None:
    op.drop_table(TABLE)  # its indexes go with it; the extension stays, other tables may use it


def hnsw_index_sql(dimension: int) -> str:
    """A partial expression index: pgvector indexes fixed-size vectors, and the column holds every model's."""
    return (
        f"CREATE INDEX IF NOT EXISTS ix_record_embeddings_hnsw_{dimension} ON {TABLE} "
        f"USING hnsw ((embedding::vector({dimension})) vector_cosine_ops) WHERE dimension = {dimension}"
    )


def _pgvector(bind: sa.Connection) -> bool:
    """Whether `vector` is (or can be made) installed; a role that may not create it leaves the exact path."""
    installed = bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'vector'")).first()
    if installed:
        return True
    available = bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")).first()
    if not available:
        return False
    try:
        with bind.begin_nested():  # a refused CREATE EXTENSION must not abort the migration's transaction
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS vector"))
    except sa.exc.DBAPIError:
        return False
    return True
