"""The `drafts` table: paid images whose object is stored and whose record is not written yet.

A draft's parent is a foreign key like a record's: a draft made from a record deleted meanwhile is stored
with no parent (an edit then becomes a first image), never with a number that names nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core.db.error_messages import database_errors
from core.db.schema import DraftRow, ImageRecord, utc_now
from core.domain.drafts import DRAFT_FACTS, Draft, DraftGone, StoredDraft
from core.domain.ports import GenerationRequest
from core.domain.records import normalize_creator

ID_BATCH = 500


class SqlDrafts:
    """The DraftStore port on SQLAlchemy; failures surface as DatabaseErrors saying what to do."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def add_draft(self, *, draft: Draft, image_key: str) -> StoredDraft:
        values = draft_to_row(draft, image_key=image_key)
        with database_errors(self._engine, "keeping the new image as a draft"):
            try:
                return self._insert(values)
            except IntegrityError:
                if values["parent_id"] is None:
                    raise
                # The source was deleted since the edit began: keep the draft as a first image.
                return self._insert({**values, "parent_id": None})

    def _insert(self, values: dict[str, Any]) -> StoredDraft:
        with self._sessions.begin() as session:
            parent = values["parent_id"]
            if parent is not None and not session.scalar(select(exists().where(ImageRecord.id == parent))):
                values = {**values, "parent_id": None}
            row = DraftRow(**values)
            session.add(row)
            session.flush()
            return row_to_draft(row)

    def set_caption(self, *, draft_id: int, caption: str, caption_model: str, timings_ms: dict[str, float]) -> None:
        statement = (
            update(DraftRow)
            .where(DraftRow.id == draft_id)
            .values(caption=caption, caption_model=caption_model, timings_ms=dict(timings_ms))
        )
        with database_errors(self._engine, "keeping a draft's caption"), self._sessions.begin() as session:
            session.execute(statement)

    def get_drafts(self, *, draft_ids: Collection[int]) -> list[StoredDraft]:
        ids = sorted({int(i) for i in draft_ids})
        rows: list[DraftRow] = []
        with database_errors(self._engine, "reading drafts"), self._sessions() as session:
            for start in range(0, len(ids), ID_BATCH):
                rows.extend(session.scalars(select(DraftRow).where(DraftRow.id.in_(ids[start : start + ID_BATCH]))))
        rows.sort(key=lambda row: (row.created_at, row.id), reverse=True)
        return [row_to_draft(row) for row in rows]

    def list_drafts(self, *, created_by: str | None = None, everyone: bool = True) -> list[StoredDraft]:
        statement = select(DraftRow).order_by(DraftRow.created_at.desc(), DraftRow.id.desc())
        if not everyone:
            creator = normalize_creator(created_by)
            statement = statement.where(
                DraftRow.created_by.is_(None) if creator is None else DraftRow.created_by == creator
            )
        with database_errors(self._engine, "listing drafts"), self._sessions() as session:
            return [row_to_draft(row) for row in session.scalars(statement)]

    def remove_draft(self, *, draft_id: int) -> bool:
        # DELETE ... RETURNING: of this and a save taking the row (take_draft), exactly one finds it.
        statement = delete(DraftRow).where(DraftRow.id == draft_id).returning(DraftRow.id)
        with database_errors(self._engine, "removing a draft"), self._sessions.begin() as session:
            return session.scalars(statement).first() is not None

    def drafts_older_than(self, *, cutoff: datetime) -> list[StoredDraft]:
        statement = select(DraftRow).where(DraftRow.created_at < cutoff).order_by(DraftRow.created_at, DraftRow.id)
        with database_errors(self._engine, "listing old drafts"), self._sessions() as session:
            return [row_to_draft(row) for row in session.scalars(statement)]


def take_draft(session: Session, draft_id: int | None, image_key: str) -> None:
    """Remove the draft row whose object a record takes, in the insert's transaction; DraftGone if it is gone.

    Its DELETE locks the row (SQLite: the write lock), so a discard's DELETE comes wholly before or after it.
    """
    if draft_id is None:
        return
    statement = delete(DraftRow).where(DraftRow.id == draft_id, DraftRow.image_key == image_key).returning(DraftRow.id)
    if session.scalars(statement).first() is None:
        raise DraftGone(draft_id)


# The request's columns, under its field names; its output format is the image's (the `output_format` column).
REQUEST_COLUMNS = ("prompt", "aspect_ratio", "seed", "output_quality", "megapixels")


def draft_to_row(draft: Draft, *, image_key: str) -> dict[str, Any]:
    """The values of a new `drafts` row for this draft, whose image is already stored at `image_key`."""
    return {
        **{name: getattr(draft, name) for name in DRAFT_FACTS},
        **{name: getattr(draft.request, name) for name in REQUEST_COLUMNS},
        "created_at": utc_now(),
        "image_key": image_key,
        "output_format": draft.image.output_format,
        "idempotency_key": draft.idempotency_key,
        "prediction_id": draft.prediction_id,
        "timings_ms": dict(draft.timings_ms),
        "created_by": normalize_creator(draft.created_by),
    }


def row_to_draft(row: DraftRow) -> StoredDraft:
    """A `drafts` row as the domain's StoredDraft (everything but the image bytes, which are in the store)."""
    request = GenerationRequest(
        prompt=row.prompt,
        aspect_ratio=row.aspect_ratio,
        seed=row.seed,
        output_format=row.output_format,
        output_quality=row.output_quality if row.output_quality is not None else 80,
        megapixels=row.megapixels or "1",
    )
    return StoredDraft(
        id=row.id,
        created_at=row.created_at,
        image_key=row.image_key,
        output_format=row.output_format,
        request=request,
        idempotency_key=row.idempotency_key,
        prediction_id=row.prediction_id,
        timings_ms={str(k): float(v) for k, v in (row.timings_ms or {}).items()},
        **{name: getattr(row, name) for name in DRAFT_FACTS},
    )
