"""The `record_embeddings` table: one vector per record and embedding model (migration 0013).

Vectors are stored on every database as float32 bytes (what the exact search reads into one numpy matrix). On
PostgreSQL with the pgvector extension the migration adds an `embedding vector` column beside them, with an
HNSW index per dimension; that column is not mapped here, so the ORM stays the same on every database.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db.schema import Base


class RecordEmbedding(Base):
    __tablename__ = "record_embeddings"
    __table_args__ = (Index("ix_record_embeddings_model_record", "model", "record_id", unique=True),)

    # Grows with every write, re-embeddings included: (count, max id) tells a cached matrix it is stale.
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("image_records.id", ondelete="CASCADE"), index=True, nullable=False
    )
    model: Mapped[str] = mapped_column(String(200), nullable=False)
    dimension: Mapped[int] = mapped_column(Integer, nullable=False)
    vector: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)  # float32, little-endian, unit length
