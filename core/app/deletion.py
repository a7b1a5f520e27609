"""Deleting saved images: objects first, then rows, so a failure never leaves an object no row points to."""

from __future__ import annotations

import logging
from collections.abc import Collection

from core.domain.drafts import DeleteOutcome
from core.domain.errors import AppError, DatabaseError
from core.domain.ports import ImageStore, Records
from core.domain.records import ImageRecordView

log = logging.getLogger(__name__)


def delete_record(store: ImageStore, repository: Records, record: ImageRecordView) -> None:
    """Remove the objects first, then the row, so a failure never leaves unreachable objects."""
    keys = [key for key in (record.image_filename, record.thumbnail_filename) if key]
    for key in keys:
        store.delete(key)
    if not repository.delete(record_id=record.id):
        raise DatabaseError(f"Record {record.id} was already deleted.")
    repository.forget_keys(keys=keys)


def delete_records(store: ImageStore, repository: Records, record_ids: Collection[int]) -> DeleteOutcome:
    """Objects first, then rows: a record whose files could not be removed keeps its row, so nothing is orphaned."""
    records = repository.get_many(record_ids=record_ids)
    removed: list[int] = []
    kept: list[int] = []
    for record in records:
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
    deleted = repository.delete_many(record_ids=removed) if removed else []
    keys = _keys_of(records, removed)  # their files are gone, whichever call removed the rows
    if keys:
        repository.forget_keys(keys=keys)
    missing = sorted(set(record_ids) - set(deleted) - set(kept))
    return DeleteOutcome(deleted=deleted, kept=kept, missing=missing, keys=keys)


def _keys_of(records: list[ImageRecordView], record_ids: list[int]) -> list[str]:
    chosen = set(record_ids)
    return [
        key
        for record in records
        if record.id in chosen
        for key in (record.image_filename, record.thumbnail_filename)
        if key
    ]
