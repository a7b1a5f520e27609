"""`stored_objects`: every key this database's app ever uploaded, written before the upload starts.

gc may delete an object only when its key is in this ledger and no record uses it. So a gc pointed at the
wrong database (or a fresh one), or one of two deployments sharing a bucket, never deletes what it did not
write: a key it has no record of is someone else's, or older than the ledger, and is left alone.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from sqlalchemy import delete, exists, func, insert, or_, select
from sqlalchemy.orm import Session

from core.db.schema import DraftRow, ImageRecord, stored_objects, utc_now

KEY_BATCH = 500  # keys per statement: bounded IN lists, whatever the count


def record_keys(session: Session, keys: Collection[str]) -> None:
    """Note keys about to be uploaded (keys are fresh UUIDs, so none is there yet)."""
    if keys:
        now = utc_now()
        session.execute(insert(stored_objects), [{"key": key, "created_at": now} for key in keys])


def forget_keys(session: Session, keys: Collection[str]) -> None:
    """Drop keys whose objects are gone."""
    for batch in _batches(keys):
        session.execute(delete(stored_objects).where(stored_objects.c.key.in_(batch)))


def key_status(session: Session, keys: Collection[str]) -> dict[str, bool]:
    """For those of `keys` this database wrote: whether some record (image or thumbnail) or draft still uses it.

    A key missing from the answer was never noted here: another deployment's, or older than the ledger.
    """
    status: dict[str, bool] = {}
    key = stored_objects.c.key
    in_use = or_(
        exists().where(or_(ImageRecord.image_filename == key, ImageRecord.thumbnail_filename == key)),
        exists().where(DraftRow.image_key == key),
    )
    for batch in _batches(keys):
        status.update((str(k), bool(used)) for k, used in session.execute(select(key, in_use).where(key.in_(batch))))
    return status


def recorded_key_count(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(stored_objects)).scalar_one())


def _batches(keys: Collection[str]) -> Iterator[list[str]]:
    wanted = sorted(set(keys))
    for start in range(0, len(wanted), KEY_BATCH):
        yield wanted[start : start + KEY_BATCH]
