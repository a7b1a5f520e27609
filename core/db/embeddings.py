"""Record embeddings behind core.domain.meaning.RecordVectors: pgvector's HNSW where the database has it, an
exact search over one cached numpy matrix of unit vectors everywhere else.

The exact path keeps, per model, every vector of this database in memory (100,000 x 384 float32 is 150 MB) and
brings it up to date before each query from (count, max row id): rows only ever get new ids (a re-embedding
is a delete and an insert), so new rows are fetched alone and deletions drop out by their row ids.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sqlalchemy import ColumnElement, Connection, Engine, Row, and_, delete, exists, func, select, text
from sqlalchemy.exc import IntegrityError

from core.db.embedding_schema import RecordEmbedding
from core.db.error_messages import database_errors
from core.db.history_filters import history_conditions
from core.db.schema import ImageRecord
from core.domain.meaning import VectorCoverage, embedding_text
from core.domain.records import HistoryQuery

EF_SEARCH = 200  # HNSW candidates per query: recall@10 against exact stays near 1 on 100,000 records


@dataclass
class _Matrix:
    """One model's vectors as the exact search reads them, and the (count, max id) they were read at."""

    record_ids: npt.NDArray[np.int64]
    row_ids: npt.NDArray[np.int64]
    vectors: npt.NDArray[np.float32]
    version: tuple[int, int]


class SqlRecordVectors:
    """`record_embeddings` on SQLite or PostgreSQL; `use_index` False forces the exact path (tests, the bench)."""

    def __init__(self, engine: Engine, *, use_index: bool | None = None) -> None:
        self._engine = engine
        self._use_index = use_index
        self._matrices: dict[str, _Matrix] = {}
        self._indexed: set[int] = set()
        self._lock = threading.Lock()  # one refresh of a matrix at a time; readers then share it

    def uses_index(self) -> bool:
        if self._use_index is None:
            self._use_index = self._engine.dialect.name == "postgresql" and self._has_vector_column()
        return self._use_index

    def save(self, *, model: str, vectors: Mapping[int, Sequence[float]]) -> int:
        if not vectors:
            return 0
        with_index = self._engine.dialect.name == "postgresql" and self._has_vector_column()
        rows = []
        for record_id, vector in vectors.items():
            unit = np.asarray(vector, dtype="<f4")
            row = {"record_id": record_id, "model": model, "dimension": len(unit), "vector": unit.tobytes()}
            if with_index:
                row["embedding"] = _vector_literal(unit)
            rows.append(row)
        columns = "record_id, model, dimension, vector" + (", embedding" if with_index else "")
        values = ":record_id, :model, :dimension, :vector" + (", CAST(:embedding AS vector)" if with_index else "")
        # Only records that still exist: a record deleted meanwhile is skipped, not a foreign-key failure.
        insert = text(
            f"INSERT INTO record_embeddings ({columns}) SELECT {values} "
            "WHERE EXISTS (SELECT 1 FROM image_records WHERE id = :record_id)"
        )
        with database_errors(self._engine, "saving search vectors"):
            try:
                with self._engine.begin() as connection:
                    connection.execute(
                        delete(RecordEmbedding).where(
                            RecordEmbedding.model == model, RecordEmbedding.record_id.in_(list(vectors))
                        )
                    )
                    stored = sum(connection.execute(insert, row).rowcount for row in rows)
            except IntegrityError:  # a concurrent save of the same record won; its vector is as good
                return 0
            if with_index:
                for dimension in {row["dimension"] for row in rows}:
                    self._ensure_index(int(str(dimension)))
        return stored

    def vector_of(self, *, model: str, record_id: int) -> list[float] | None:
        statement = select(RecordEmbedding.vector).where(
            RecordEmbedding.model == model, RecordEmbedding.record_id == record_id
        )
        with database_errors(self._engine, "reading a search vector"), self._engine.connect() as connection:
            data = connection.execute(statement).scalar()
        return None if data is None else np.frombuffer(data, dtype="<f4").astype(float).tolist()

    def waiting(self, *, model: str, limit: int, after_id: int = 0) -> list[tuple[int, str]]:
        statement = (
            select(ImageRecord.id, ImageRecord.prompt, ImageRecord.description, ImageRecord.transcript)
            .where(ImageRecord.id > after_id, ~self._has_vector(model))
            .order_by(ImageRecord.id)
            .limit(limit)
        )
        with database_errors(self._engine, "listing records to embed"), self._engine.connect() as connection:
            rows = connection.execute(statement).all()
        return [(row.id, embedding_text(row.prompt, row.description, row.transcript)) for row in rows]

    def count_waiting(self, *, model: str) -> int:
        statement = select(func.count()).select_from(ImageRecord).where(~self._has_vector(model))
        with database_errors(self._engine, "counting records to embed"), self._engine.connect() as connection:
            return int(connection.execute(statement).scalar_one())

    def coverage(self, *, model: str) -> VectorCoverage:
        # At most one vector per record and model (the unique index): the outer join counts each record once.
        matched = and_(RecordEmbedding.record_id == ImageRecord.id, RecordEmbedding.model == model)
        statement = select(func.count(ImageRecord.id), func.count(RecordEmbedding.id)).select_from(
            ImageRecord.__table__.outerjoin(RecordEmbedding.__table__, matched)
        )
        with database_errors(self._engine, "counting search vectors"), self._engine.connect() as connection:
            total, embedded = connection.execute(statement).one()
        return VectorCoverage(embedded=int(embedded), total=int(total))

    def nearest(
        self, *, model: str, vector: Sequence[float], query: HistoryQuery, limit: int, exclude: Collection[int] = ()
    ) -> list[tuple[int, float]]:
        if limit <= 0:
            return []
        unit = np.asarray(vector, dtype=np.float32)
        with database_errors(self._engine, "searching by meaning"):
            if self.uses_index():
                return self._nearest_indexed(model, unit, query, limit, exclude)
            return self._nearest_exact(model, unit, query, limit, exclude)

    # The exact path.

    def _nearest_exact(
        self, model: str, unit: npt.NDArray[np.float32], query: HistoryQuery, limit: int, exclude: Collection[int]
    ) -> list[tuple[int, float]]:
        matrix = self._matrix(model)
        if len(matrix.record_ids) == 0 or matrix.vectors.shape[1] != len(unit):
            return []
        similarities = matrix.vectors @ unit
        keep = np.ones(len(similarities), dtype=bool)
        conditions = history_conditions(query, self._engine.dialect.name)
        if conditions:  # only the records the filters let through
            with self._engine.connect() as connection:
                allowed = connection.execute(select(ImageRecord.id).where(*conditions)).scalars().all()
            keep &= np.isin(matrix.record_ids, np.fromiter(allowed, dtype=np.int64, count=len(allowed)))
        if exclude:
            keep &= ~np.isin(matrix.record_ids, np.fromiter(exclude, dtype=np.int64, count=len(exclude)))
        candidates = np.flatnonzero(keep)
        if len(candidates) > limit:
            top = np.argpartition(-similarities[candidates], limit - 1)[:limit]
            candidates = candidates[top]
        order = candidates[np.lexsort((matrix.record_ids[candidates], -similarities[candidates]))]
        return [(int(matrix.record_ids[i]), float(similarities[i])) for i in order]

    def _matrix(self, model: str) -> _Matrix:
        version_query = select(func.count(), func.coalesce(func.max(RecordEmbedding.id), 0)).where(
            RecordEmbedding.model == model
        )
        with self._lock, self._engine.connect() as connection:
            count, max_id = connection.execute(version_query).one()
            version = (int(count), int(max_id))
            cached = self._matrices.get(model)
            if cached is not None and cached.version == version:
                return cached
            matrix = self._refresh(connection, model, cached, version)
            self._matrices[model] = matrix
            return matrix

    def _refresh(self, connection: Connection, model: str, cached: _Matrix | None, version: tuple[int, int]) -> _Matrix:
        base = select(RecordEmbedding.id, RecordEmbedding.record_id, RecordEmbedding.vector).where(
            RecordEmbedding.model == model
        )
        if cached is not None and len(cached.row_ids):
            present = connection.execute(select(RecordEmbedding.id).where(RecordEmbedding.model == model)).scalars()
            still = np.isin(cached.row_ids, np.fromiter(present, dtype=np.int64))
            fresh = connection.execute(base.where(RecordEmbedding.id > int(cached.row_ids.max()))).all()
            if int(still.sum()) + len(fresh) == version[0]:
                kept = _Matrix(cached.record_ids[still], cached.row_ids[still], cached.vectors[still], version)
                return _appended(kept, fresh, version)
        rows = connection.execute(base.order_by(RecordEmbedding.id)).all()
        return _appended(None, rows, version)

    # The pgvector path.

    def _nearest_indexed(
        self, model: str, unit: npt.NDArray[np.float32], query: HistoryQuery, limit: int, exclude: Collection[int]
    ) -> list[tuple[int, float]]:
        dimension = len(unit)
        # The expression of the partial HNSW index of this dimension, so PostgreSQL walks that index.
        distance = text(
            f"record_embeddings.embedding::vector({dimension}) <=> CAST(:query_vector AS vector({dimension}))"
        ).bindparams(query_vector=_vector_literal(unit))
        conditions = [RecordEmbedding.model == model, RecordEmbedding.dimension == dimension]
        filters = history_conditions(query, "postgresql")
        if exclude:
            filters.append(RecordEmbedding.record_id.not_in(list(exclude)))
        statement = (
            select(RecordEmbedding.record_id, RecordEmbedding.vector)
            .join(ImageRecord, ImageRecord.id == RecordEmbedding.record_id)
            .where(and_(*conditions, *filters))
            .order_by(distance)
            .limit(limit)
        )
        with self._engine.begin() as connection:
            connection.execute(text(f"SET LOCAL hnsw.ef_search = {max(EF_SEARCH, limit)}"))
            rows = connection.execute(statement).all()
            if len(rows) < limit and filters:
                # Filters applied after the index walk can leave too few: then scan the filtered rows exactly.
                connection.execute(text("SET LOCAL enable_indexscan = off"))
                rows = connection.execute(statement).all()
        # Similarities from the stored float32 copy: the same numbers the exact path gives.
        return [(int(row.record_id), float(np.frombuffer(row.vector, dtype="<f4") @ unit)) for row in rows]

    def _has_vector_column(self) -> bool:
        statement = text(
            "SELECT 1 FROM information_schema.columns "
            "WHERE table_name = 'record_embeddings' AND column_name = 'embedding'"
        )
        with self._engine.connect() as connection:
            return connection.execute(statement).first() is not None

    def _ensure_index(self, dimension: int) -> None:
        """An HNSW index for a dimension first stored now (migration 0013 made the default model's)."""
        if dimension in self._indexed:
            return
        with self._engine.begin() as connection:
            connection.execute(text(hnsw_index_sql(dimension)))
        self._indexed.add(dimension)

    def _has_vector(self, model: str) -> ColumnElement[bool]:
        return exists().where(RecordEmbedding.record_id == ImageRecord.id, RecordEmbedding.model == model)


def _appended(base: _Matrix | None, rows: Sequence[Row[int, int, bytes]], version: tuple[int, int]) -> _Matrix:
    record_ids = np.fromiter((row.record_id for row in rows), dtype=np.int64, count=len(rows))
    row_ids = np.fromiter((row.id for row in rows), dtype=np.int64, count=len(rows))
    vectors = (
        np.frombuffer(b"".join(row.vector for row in rows), dtype="<f4").reshape(len(rows), -1).astype(np.float32)
        if rows
        else np.zeros((0, base.vectors.shape[1] if base is not None else 0), dtype=np.float32)
    )
    if base is None:
        return _Matrix(record_ids, row_ids, vectors, version)
    if len(rows) and base.vectors.shape[1] not in (0, vectors.shape[1]):
        return _Matrix(record_ids, row_ids, vectors, version)  # another dimension: a changed model's rows
    return _Matrix(
        np.concatenate([base.record_ids, record_ids]),
        np.concatenate([base.row_ids, row_ids]),
        np.concatenate([base.vectors.reshape(len(base.row_ids), -1), vectors]) if len(rows) else base.vectors,
        version,
    )


def hnsw_index_sql(dimension: int) -> str:
    """The same partial expression index as migration 0013's (pgvector indexes fixed-size vectors only)."""
    return (
        f"CREATE INDEX IF NOT EXISTS ix_record_embeddings_hnsw_{dimension} ON record_embeddings "
        f"USING hnsw ((embedding::vector({dimension})) vector_cosine_ops) WHERE dimension = {dimension}"
    )


def _vector_literal(unit: npt.NDArray[np.float32]) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in unit.tolist()) + "]"
