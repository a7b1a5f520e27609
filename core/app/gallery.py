"""The team gallery's use cases: star, tag, delete, recaption, and the history queries.

One function per use case, each taking the ports it needs, called alike by the pages (through `ui/`) and by
`python -m core`: nothing outside `core.app` calls the record ports directly. Creating images is
core.app.pipeline's use case, changing a saved one core.app.edit's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence

from core.domain.drafts import DeleteOutcome
from core.domain.errors import AppError, DatabaseError
from core.domain.ports import Captioner, ImageStore, RecordReader, Records
from core.domain.records import HistoryPage, HistoryQuery, HistoryStats, ImageRecordView

log = logging.getLogger(__name__)


def star(records: Records, *, record_ids: Collection[int], starred: bool = True) -> int:
    """Star (or, with `starred=False`, unstar) these records; how many exist."""
    return records.set_starred(record_ids=record_ids, starred=starred)


def add_tags(records: Records, *, record_ids: Collection[int], tags: Sequence[str]) -> int:
    """Put every tag on every existing record (already there is fine); how many records exist."""
    return records.add_tags(record_ids=record_ids, tags=tags)


def remove_tags(records: Records, *, record_ids: Collection[int], tags: Sequence[str]) -> int:
    """Take the tags off these records; how many tags were removed in all."""
    return records.remove_tags(record_ids=record_ids, tags=tags)


def delete_record(store: ImageStore, records: Records, record: ImageRecordView) -> None:
    """Remove the objects first, then the row, so a failure never leaves unreachable objects."""
    keys = [key for key in (record.image_filename, record.thumbnail_filename) if key]
    for key in keys:
        store.delete(key)
    if not records.delete(record_id=record.id):
        raise DatabaseError(f"Record {record.id} was already deleted.")
    records.forget_keys(keys=keys)


def delete_records(store: ImageStore, records: Records, record_ids: Collection[int]) -> DeleteOutcome:
    """Objects first, then rows: a record whose files could not be removed keeps its row, so nothing is orphaned."""
    found = records.get_many(record_ids=record_ids)
    removed: list[int] = []
    kept: list[int] = []
    for record in found:
        try:
            for key in (record.image_filename, record.thumbnail_filename):
                if key:
                    store.delete(key)
        except AppError as exc:
            log.warning("Kept record %s: its files could not be removed: %s", record.id, exc)
            kept.append(record.id)
        else:
            removed.append(record.id)
    # Only what this call's DELETE removed is reported: a concurrent delete of the same ids reports the rest.
    deleted = records.delete_many(record_ids=removed) if removed else []
    keys = _keys_of(found, removed)  # their files are gone, whichever call removed the rows
    if keys:
        records.forget_keys(keys=keys)
    missing = sorted(set(record_ids) - set(deleted) - set(kept))
    return DeleteOutcome(deleted=deleted, kept=kept, missing=missing, keys=keys)


def recaption(
    store: ImageStore,
    records: Records,
    captioner: Callable[[], Captioner],
    record: ImageRecordView,
    on_changed: Callable[[ImageRecordView], None] | None = None,
) -> ImageRecordView:
    """Caption a saved image again and store the new description; the record as it is now.

    `on_changed` hears of the new text (Services.embed_on_save: the search vector follows the caption).
    """
    text = captioner().caption(store.get(record.image_filename))
    updated = records.update_description(record_id=record.id, description=text)
    if updated is None:
        raise DatabaseError(f"Record {record.id} no longer exists.")
    if on_changed is not None:
        on_changed(updated)
    return updated


def missing_ids(records: Records, record_ids: Collection[int]) -> list[int]:
    """Those of `record_ids` no saved record has, in order: checked before a change, so none is half made."""
    found = {record.id for record in records.get_many(record_ids=record_ids)}
    return sorted(record_id for record_id in set(record_ids) if record_id not in found)


def search(reader: RecordReader, query: HistoryQuery) -> HistoryPage:
    """One page of the records that match `query`, with the total that match."""
    return reader.search(query=query)


def get_record(reader: RecordReader, record_id: int) -> ImageRecordView | None:
    """One saved record, or None when no record has this id (any more)."""
    return reader.get(record_id=record_id)


def get_records(records: Records, record_ids: Collection[int]) -> list[ImageRecordView]:
    """The saved records among `record_ids`; unknown ids are left out."""
    return records.get_many(record_ids=record_ids)


def family(reader: RecordReader, record_id: int) -> list[ImageRecordView]:
    """The whole edit family of a record, from any member, oldest first; [] for an unknown id."""
    return reader.family(record_id=record_id)


def with_edits(reader: RecordReader, record_ids: Collection[int]) -> set[int]:
    """Which of these records have edits saved from them (one indexed query for a whole page)."""
    return reader.with_edits(record_ids=record_ids)


def tag_counts(reader: RecordReader) -> list[tuple[str, int]]:
    """Every tag in use, with how many records carry it."""
    return reader.tag_counts()


def creators(reader: RecordReader) -> list[str]:
    """Everyone who has saved an image."""
    return reader.creators()


def stats(reader: RecordReader, *, days: int = 30) -> HistoryStats:
    """What Home shows of the gallery: counts over the last `days`."""
    return reader.stats(days=days)


def latest(reader: RecordReader, *, limit: int) -> list[ImageRecordView]:
    """The newest saved records, newest first."""
    return reader.latest(limit=limit)


def _keys_of(records: list[ImageRecordView], record_ids: list[int]) -> list[str]:
    chosen = set(record_ids)
    return [
        key
        for record in records
        if record.id in chosen
        for key in (record.image_filename, record.thumbnail_filename)
        if key
    ]
