"""Saved images in `image_records`: idempotent inserts, search, filters and paging in SQL, stars, tags, overview."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, delete, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core.db import ledger
from core.db.drafts import take_draft
from core.db.engine import WRITE_TRANSACTION
from core.db.error_messages import database_errors
from core.db.family import family_ids, orphan_children, with_edits
from core.db.history_filters import history_conditions
from core.db.schema import ImageRecord, UtcDateTime, utc_now
from core.db.share_links import end_links_of
from core.db.tags import retag, tag_counts_statement
from core.domain.errors import InputError
from core.domain.records import (
    RECORD_FIELDS,
    HistoryPage,
    HistoryQuery,
    HistoryStats,
    ImageRecordView,
    NewRecord,
    normalize_creator,
)
from core.domain.tags import normalize_tags

MAX_PAGE_SIZE = 1000
ID_BATCH = 500  # ids per statement: any number of ids, in IN (...) lists below every driver's parameter limit
# Far beyond any history, and within every integer type the databases (and SQLite's driver) accept.
MAX_OFFSET = 10**9

_SQLITE_AVERAGES = """
SELECT j.key, avg(j.value) FROM image_records AS r, json_each(r.timings_ms) AS j
WHERE r.created_at >= :since AND json_type(r.timings_ms) = 'object' AND j.type IN ('integer', 'real')
GROUP BY j.key ORDER BY j.key
"""
_POSTGRES_AVERAGES = """
SELECT j.key, avg(j.value::text::double precision) FROM image_records AS r
CROSS JOIN LATERAL json_each(CASE WHEN json_typeof(r.timings_ms) = 'object' THEN r.timings_ms END) AS j
WHERE r.created_at >= :since AND json_typeof(j.value) = 'number'
GROUP BY j.key ORDER BY j.key
"""


class RecordRepository:
    """Reads and writes `image_records`; every failure surfaces as a DatabaseError saying what to do."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def add(self, *, record: NewRecord, from_draft: int | None = None) -> tuple[ImageRecordView, bool]:
        """Insert once per idempotency key: (row, True) if new, else (the existing row, False); see Records.add."""
        if not record.idempotency_key:
            raise ValueError("A record needs an idempotency key so that a rerun cannot save it twice.")
        if existing := self.find_by_idempotency_key(key=record.idempotency_key):
            return existing, False
        row = ImageRecord(**_columns_of(record), created_at=utc_now())
        row.created_by = normalize_creator(record.created_by)
        with database_errors(self._engine, "saving the image record"):
            try:
                with self._writing() as session:
                    take_draft(session, from_draft, record.image_filename)  # DraftGone if discarded meanwhile
                    session.add(row)
                    session.flush()
                    return _view(row), True
            except IntegrityError:
                # Another session inserted the same key between our lookup and insert: it won.
                if winner := self.find_by_idempotency_key(key=record.idempotency_key):
                    return winner, False
                if record.parent_id is None:
                    raise
        # The foreign key refused the parent: it was deleted meanwhile, so the edit is saved as a first image.
        return self.add(record=replace(record, parent_id=None), from_draft=from_draft)

    def find_by_idempotency_key(self, *, key: str) -> ImageRecordView | None:
        with database_errors(self._engine, "looking up a saved image"), self._sessions() as session:
            row = session.scalars(select(ImageRecord).where(ImageRecord.idempotency_key == key)).first()
            return _view(row) if row else None

    def get(self, *, record_id: int) -> ImageRecordView | None:
        with database_errors(self._engine, "reading a saved image"), self._sessions() as session:
            row = session.get(ImageRecord, record_id)
            return _view(row) if row else None

    def get_many(self, *, record_ids: Collection[int]) -> list[ImageRecordView]:
        """The records with these ids that exist, newest first."""
        rows: list[ImageRecord] = []
        with database_errors(self._engine, "reading saved images"), self._sessions() as session:
            for batch in _id_batches(record_ids):
                rows.extend(session.scalars(select(ImageRecord).where(ImageRecord.id.in_(batch))))
        rows.sort(key=lambda row: (row.created_at, row.id), reverse=True)
        return [_view(row) for row in rows]

    def family_ids(self, *, record_id: int) -> list[int]:
        """Ids of the family of `record_id` (first image, then each generation of edits); [] if unknown."""
        with database_errors(self._engine, "reading a family of edits"), self._sessions() as session:
            return family_ids(session, record_id)

    def with_edits(self, *, record_ids: Collection[int]) -> set[int]:
        with database_errors(self._engine, "reading families of edits"), self._sessions() as session:
            return with_edits(session, record_ids)

    def family(self, *, record_id: int) -> list[ImageRecordView]:
        """The whole family of `record_id`, from any member, oldest first; [] if there is no such record."""
        ids = self.family_ids(record_id=record_id)
        if not ids:
            return []
        statement = select(ImageRecord).where(ImageRecord.id.in_(ids)).order_by(ImageRecord.created_at, ImageRecord.id)
        with database_errors(self._engine, "reading a family of edits"), self._sessions() as session:
            return [_view(row) for row in session.scalars(statement)]

    def delete(self, *, record_id: int) -> bool:
        """Remove one record; False if there was none with that id (or another call deleted it first)."""
        return bool(self.delete_many(record_ids=[record_id]))

    def update_description(self, *, record_id: int, description: str) -> ImageRecordView | None:
        """Replace the caption of one record; None if there was none with that id."""
        with database_errors(self._engine, "updating a description"), self._writing() as session:
            row = session.get(ImageRecord, record_id)
            if row is None:
                return None
            row.description = description
            session.flush()
            return _view(row)

    def delete_many(self, *, record_ids: Collection[int]) -> list[int]:
        """Remove these rows (their tags go with them) in one transaction; the ids this call deleted.

        Two calls deleting the same ids at once each get only the rows they removed (DELETE ... RETURNING).
        """
        deleted: list[int] = []
        with database_errors(self._engine, "deleting saved images"), self._writing() as session:
            for batch in _id_batches(record_ids):
                orphan_children(session, batch)
                end_links_of(session, batch)  # a link never outlives an image it shows
                statement = delete(ImageRecord).where(ImageRecord.id.in_(batch)).returning(ImageRecord.id)
                deleted.extend(session.scalars(statement))
        return sorted(deleted)

    def set_starred(self, *, record_ids: Collection[int], starred: bool) -> int:
        """Star or unstar these records (one UPDATE per batch, one transaction); returns how many exist."""
        changed = 0
        with database_errors(self._engine, "starring images"), self._writing() as session:
            for batch in _id_batches(record_ids):
                statement = update(ImageRecord).where(ImageRecord.id.in_(batch)).values(starred=starred)
                changed += int(getattr(session.execute(statement), "rowcount", 0) or 0)
        return changed

    def add_tags(self, *, record_ids: Collection[int], tags: Sequence[str]) -> int:
        """Put every tag on every existing record (already there is fine); returns how many records exist."""
        wanted = set(normalize_tags(list(tags)))
        with database_errors(self._engine, "tagging images"), self._writing() as session:
            return retag(session, _id_batches(record_ids), lambda have: have | wanted)[0]

    def remove_tags(self, *, record_ids: Collection[int], tags: Sequence[str]) -> int:
        """Take these tags off these records; returns how many tags were removed."""
        unwanted = set(normalize_tags(list(tags)))
        with database_errors(self._engine, "removing tags"), self._writing() as session:
            return retag(session, _id_batches(record_ids), lambda have: have - unwanted)[1]

    def record_keys(self, *, keys: Collection[str]) -> None:
        """Note object keys before uploading them, so gc knows this database wrote them."""
        with database_errors(self._engine, "noting the image files about to be stored"), self._writing() as session:
            ledger.record_keys(session, keys)

    def forget_keys(self, *, keys: Collection[str]) -> None:
        """Drop keys whose objects were deleted."""
        with database_errors(self._engine, "forgetting deleted image files"), self._writing() as session:
            ledger.forget_keys(session, keys)

    def key_status(self, *, keys: Collection[str]) -> dict[str, bool]:
        """For those of `keys` this database wrote, whether a record uses it; gc may delete only the unused."""
        with database_errors(self._engine, "looking up stored images"), self._sessions() as session:
            return ledger.key_status(session, keys)

    def recorded_key_count(self) -> int:
        """How many uploaded objects this database knows of (none: it is not the bucket's database)."""
        with database_errors(self._engine, "counting stored images"), self._sessions() as session:
            return ledger.recorded_key_count(session)

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        """A transaction that holds the write lock from its first statement on (BEGIN IMMEDIATE on SQLite)."""
        with self._sessions.begin() as session:
            session.connection(execution_options={WRITE_TRANSACTION: True})
            yield session

    def tag_counts(self) -> list[tuple[str, int]]:
        """Every tag in use with how many records carry it, most used first."""
        statement = tag_counts_statement(self._engine.dialect.name)
        with database_errors(self._engine, "counting tags"), self._sessions() as session:
            return [(str(tag), int(n)) for tag, n in session.execute(statement)]

    def creators(self) -> list[str]:
        """Everyone who saved something, alphabetically."""
        statement = (
            select(ImageRecord.created_by)
            .where(ImageRecord.created_by.is_not(None))
            .distinct()
            .order_by(ImageRecord.created_by)
        )
        with database_errors(self._engine, "listing who made images"), self._sessions() as session:
            return [str(name) for name in session.scalars(statement)]

    def search(self, *, query: HistoryQuery) -> HistoryPage:
        """One page of matching records and the number of all matches, filtered and paged in SQL."""
        _check_paging(query.limit, query.offset)
        if query.since and query.until and query.since > query.until:
            raise InputError(f"The 'since' day {query.since} is after the 'until' day {query.until}: swap them.")
        conditions = history_conditions(query, self._engine.dialect.name)
        if query.family is not None:
            conditions.append(ImageRecord.id.in_(self.family_ids(record_id=query.family) or [-1]))
        order = _ORDER_NEWEST if query.newest_first else (ImageRecord.created_at.asc(), ImageRecord.id.asc())
        page = select(ImageRecord).where(*conditions).order_by(*order).limit(query.limit).offset(query.offset)
        with database_errors(self._engine, "searching the history"), self._sessions() as session:
            records = [_view(row) for row in session.scalars(page)]
            if len(records) < query.limit and (records or query.offset == 0):
                # A short, non-empty page (or an empty first page) already tells the total.
                total = query.offset + len(records)
            else:
                count = select(func.count()).select_from(ImageRecord).where(*conditions)
                total = session.execute(count).scalar_one()
        return HistoryPage(records=records, total=total)

    def latest(self, *, limit: int) -> list[ImageRecordView]:
        """The newest records, newest first."""
        return self.search(query=HistoryQuery(limit=limit)).records

    def stats(self, *, days: int = 30) -> HistoryStats:
        """All-time total, images per UTC day and average stage times over the last `days` days."""
        if days < 1:
            raise ValueError("Statistics need a window of at least one day.")  # a caller's bug, not user input
        first_day = datetime.now(UTC).date() - timedelta(days=days - 1)
        since = datetime.combine(first_day, time.min, UTC)
        dialect = self._engine.dialect.name
        day = (
            func.date(func.timezone("UTC", ImageRecord.created_at))
            if dialect == "postgresql"
            else func.date(ImageRecord.created_at)
        )
        per_day = select(day, func.count()).where(ImageRecord.created_at >= since).group_by(day).order_by(day)
        averages = text(_POSTGRES_AVERAGES if dialect == "postgresql" else _SQLITE_AVERAGES).bindparams(
            bindparam("since", type_=UtcDateTime())
        )
        with database_errors(self._engine, "computing statistics"), self._sessions() as session:
            total = session.execute(select(func.count()).select_from(ImageRecord)).scalar_one()
            counts = {_as_date(value): int(count) for value, count in session.execute(per_day)}
            average_stage_ms = {str(key): float(value) for key, value in session.execute(averages, {"since": since})}
        images_per_day = [
            (first_day + timedelta(days=n), counts.get(first_day + timedelta(days=n), 0)) for n in range(days)
        ]
        return HistoryStats(total=total, images_per_day=images_per_day, average_stage_ms=average_stage_ms)


_ORDER_NEWEST = (ImageRecord.created_at.desc(), ImageRecord.id.desc())


def _id_batches(record_ids: Collection[int]) -> Iterator[list[int]]:
    """The ids, once each and in order, in batches of ID_BATCH; none at all is an InputError."""
    ids = sorted({int(record_id) for record_id in record_ids})
    if not ids:
        raise InputError("Select at least one image first.")
    for start in range(0, len(ids), ID_BATCH):
        yield ids[start : start + ID_BATCH]


def _check_paging(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InputError(f"Page size must be between 1 and {MAX_PAGE_SIZE}, got {limit}.")
    if offset < 0:
        raise InputError(f"Offset must be zero or more, got {offset}.")
    if offset > MAX_OFFSET:
        raise InputError(f"Offset must be at most {MAX_OFFSET:,}, got {offset}: no history is that long.")


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _columns_of(record: NewRecord) -> dict[str, Any]:
    values = {name: getattr(record, name) for name in RECORD_FIELDS}
    values["timings_ms"] = dict(record.timings_ms)
    return values


def _view(row: ImageRecord) -> ImageRecordView:
    values = {name: getattr(row, name) for name in RECORD_FIELDS}
    # Rows adopted from the Gradio app may hold NULLs where new rows never do.
    values.update(
        prompt=row.prompt or "",
        image_filename=row.image_filename or "",
        description=row.description or "",
        starred=bool(row.starred),
        timings_ms={str(key): float(value) for key, value in (row.timings_ms or {}).items()},
    )
    return ImageRecordView(**values, id=row.id, created_at=row.created_at, tags=tuple(sorted(row.tags or ())))
