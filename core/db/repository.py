"""Saved images in `image_records`: idempotent inserts, search, filters and paging in SQL, stars, tags, overview."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, delete, func, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from core.db.error_messages import database_errors
from core.db.family import family_ids, orphan_children
from core.db.history_filters import history_conditions
from core.db.schema import ImageRecord, UtcDateTime, utc_now
from core.db.tags import tag_counts_statement
from core.domain.errors import InputError
from core.domain.records import (
    RECORD_FIELDS,
    HistoryPage,
    HistoryQuery,
    HistoryStats,
    ImageRecordView,
    NewRecord,
    normalize_creator,
    normalize_tags,
)

MAX_PAGE_SIZE = 1000
MAX_BULK_IDS = 1000  # one bulk action; also keeps IN (...) lists well below every driver's parameter limit
# Far beyond any history, and within every integer type the databases (and SQLite's driver) accept.
MAX_OFFSET = 10**9
KEY_BATCH = 500

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

    def add(self, *, record: NewRecord) -> tuple[ImageRecordView, bool]:
        """Insert once per idempotency key: (the row, True) if inserted, (the existing row, False) otherwise."""
        if not record.idempotency_key:
            raise ValueError("A record needs an idempotency key so that a rerun cannot save it twice.")
        if existing := self.find_by_idempotency_key(key=record.idempotency_key):
            return existing, False
        row = ImageRecord(**_columns_of(record), created_at=utc_now())
        row.created_by = normalize_creator(record.created_by)
        with database_errors(self._engine, "saving the image record"):
            try:
                with self._sessions.begin() as session:
                    session.add(row)
                    session.flush()
                    return _view(row), True
            except IntegrityError:
                # Another session inserted the same key between our lookup and insert: it won.
                if winner := self.find_by_idempotency_key(key=record.idempotency_key):
                    return winner, False
                raise

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
        ids = _checked_ids(record_ids)
        statement = select(ImageRecord).where(ImageRecord.id.in_(ids)).order_by(*_ORDER_NEWEST)
        with database_errors(self._engine, "reading saved images"), self._sessions() as session:
            return [_view(row) for row in session.scalars(statement)]

    def family_ids(self, *, record_id: int) -> list[int]:
        """Ids of the family of `record_id` (first image, then each generation of edits); [] if unknown."""
        with database_errors(self._engine, "reading a family of edits"), self._sessions() as session:
            return family_ids(session, record_id)

    def family(self, *, record_id: int) -> list[ImageRecordView]:
        """The whole family of `record_id`, from any member, oldest first; [] if there is no such record."""
        ids = self.family_ids(record_id=record_id)
        if not ids:
            return []
        statement = select(ImageRecord).where(ImageRecord.id.in_(ids)).order_by(ImageRecord.created_at, ImageRecord.id)
        with database_errors(self._engine, "reading a family of edits"), self._sessions() as session:
            return [_view(row) for row in session.scalars(statement)]

    def delete(self, *, record_id: int) -> bool:
        """Remove one record; False if there was none with that id."""
        with database_errors(self._engine, "deleting a saved image"), self._sessions.begin() as session:
            orphan_children(session, [record_id])
            result = session.execute(delete(ImageRecord).where(ImageRecord.id == record_id))
            return bool(getattr(result, "rowcount", 0))

    def update_description(self, *, record_id: int, description: str) -> ImageRecordView | None:
        """Replace the caption of one record; None if there was none with that id."""
        with database_errors(self._engine, "updating a description"), self._sessions.begin() as session:
            row = session.get(ImageRecord, record_id)
            if row is None:
                return None
            row.description = description
            session.flush()
            return _view(row)

    def delete_many(self, *, record_ids: Collection[int]) -> int:
        """Remove these rows (their tags go with them); returns how many existed."""
        ids = _checked_ids(record_ids)
        with database_errors(self._engine, "deleting saved images"), self._sessions.begin() as session:
            orphan_children(session, ids)
            result = session.execute(delete(ImageRecord).where(ImageRecord.id.in_(ids)))
            return int(getattr(result, "rowcount", 0) or 0)

    def set_starred(self, *, record_ids: Collection[int], starred: bool) -> int:
        """Star or unstar these records; returns how many exist."""
        ids = _checked_ids(record_ids)
        statement = update(ImageRecord).where(ImageRecord.id.in_(ids)).values(starred=starred)
        with database_errors(self._engine, "starring images"), self._sessions.begin() as session:
            return int(getattr(session.execute(statement), "rowcount", 0) or 0)

    def add_tags(self, *, record_ids: Collection[int], tags: Sequence[str]) -> int:
        """Put every tag on every existing record (already there is fine); returns how many records exist."""
        wanted = set(normalize_tags(list(tags)))
        return self._retag(_checked_ids(record_ids), lambda have: have | wanted, "tagging images")[0]

    def remove_tags(self, *, record_ids: Collection[int], tags: Sequence[str]) -> int:
        """Take these tags off these records; returns how many tags were removed."""
        unwanted = set(normalize_tags(list(tags)))
        return self._retag(_checked_ids(record_ids), lambda have: have - unwanted, "removing tags")[1]

    def _retag(self, ids: list[int], change: Callable[[set[str]], set[str]], action: str) -> tuple[int, int]:
        """Apply `change` to each record's tags; (records found, tags removed). Rows stay locked until done."""
        found = select(ImageRecord.id, ImageRecord.tags).where(ImageRecord.id.in_(ids)).with_for_update()
        with database_errors(self._engine, action), self._sessions.begin() as session:
            rows = session.execute(found).all()
            changes = [(record_id, set(have or []), change(set(have or []))) for record_id, have in rows]
            updates = [{"id": record_id, "tags": sorted(new)} for record_id, old, new in changes if new != old]
            if updates:
                session.execute(update(ImageRecord), updates)
            return len(rows), sum(len(old - new) for _, old, new in changes)

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

    def referenced_keys(self, *, keys: Collection[str]) -> set[str]:
        """Those of `keys` that some record uses as its image or thumbnail."""
        found: set[str] = set()
        wanted = sorted(set(keys))
        with database_errors(self._engine, "looking up stored images"), self._sessions() as session:
            for start in range(0, len(wanted), KEY_BATCH):  # bounded IN lists, whatever the count
                batch = wanted[start : start + KEY_BATCH]
                batch_set = set(batch)
                query = select(ImageRecord.image_filename, ImageRecord.thumbnail_filename).where(
                    or_(ImageRecord.image_filename.in_(batch), ImageRecord.thumbnail_filename.in_(batch))
                )
                for image, thumbnail in session.execute(query):
                    found.update(key for key in (image, thumbnail) if key in batch_set)
        return found

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


def _checked_ids(record_ids: Collection[int]) -> list[int]:
    ids = sorted({int(record_id) for record_id in record_ids})
    if not ids:
        raise InputError("Select at least one image first.")
    if len(ids) > MAX_BULK_IDS:
        raise InputError(f"Act on at most {MAX_BULK_IDS} images at a time; select fewer.")
    return ids


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
