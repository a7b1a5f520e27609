"""`python -m core gc`: remove stored objects this database wrote and no record uses, once old enough.

The invariant: gc deletes an object only if its key is in this database's ledger (`stored_objects`,
written before every upload; core/db/ledger.py) and no record uses it. An object the ledger does not
know is someone else's (another deployment sharing the bucket) or older than the ledger, and stays.
A database that knows no object at all while the bucket holds app-made ones is the wrong database
(say, DATABASE_URL forgotten, so a fresh SQLite file): gc refuses rather than reporting nothing to do.

A save notes its keys and uploads before inserting the row (or the draft row, for a new image), so an
object in the ledger that no record or draft uses yet may be a save in progress: only objects older than
a grace period are collected, and never one younger than IN_PROGRESS_FLOOR whatever the grace period says
(an insert waiting on a lock would otherwise find its files gone). A local store's unfinished
`.upload-*.part` files are never in the ledger (they are renamed into place) and are collected by age.

Drafts (paid images neither saved nor discarded) are kept DRAFT_DAYS, then removed with their objects.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.app.drafts import expire_drafts
from core.domain.drafts import DraftStore
from core.domain.errors import InputError
from core.domain.ports import ImageRecords, ImageStore, ObjectLedger, StoredObject

DEFAULT_GRACE_MINUTES = 60
IN_PROGRESS_FLOOR = timedelta(minutes=10)  # far beyond any save's upload and insert; a fixed floor, not a setting
PREFIXES = ("images/", "thumbnails/")
_UUID = r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}"
_APP_KEY = re.compile(rf"images/{_UUID}\.(webp|jpg|png)|thumbnails/{_UUID}\.webp")
_UNFINISHED_UPLOAD = re.compile(r"(images|thumbnails)/\.upload-[^/]+\.part")
BATCH = 1000  # keys looked up in the database at a time, so memory stays flat on a big bucket


@dataclass(frozen=True)
class Orphans:
    objects: list[StoredObject]
    scanned: int
    complete: bool  # False when the scan stopped at its limit
    unrecorded: int = 0  # app-made objects this database never wrote: left alone


def find_orphans(
    store: ImageStore,
    ledger: ObjectLedger,
    *,
    older_than: timedelta,
    now: datetime | None = None,
    max_scanned: int | None = None,
) -> Orphans:
    """Objects older than `older_than` (and IN_PROGRESS_FLOOR at least) that this database wrote and nothing uses."""
    cutoff = (now or datetime.now(UTC)) - max(older_than, IN_PROGRESS_FLOOR)
    found: list[StoredObject] = []
    scanned = unrecorded = 0
    batch: list[StoredObject] = []

    def settle() -> None:
        nonlocal unrecorded
        status = ledger.key_status(keys=[s.key for s in batch]) if batch else {}
        unrecorded += sum(s.key not in status for s in batch)
        found.extend(s for s in batch if s.key in status and not status[s.key] and s.last_modified < cutoff)
        batch.clear()

    for stored in _candidates(store):
        if max_scanned is not None and scanned >= max_scanned:
            settle()
            return Orphans(found, scanned, complete=False, unrecorded=unrecorded)
        scanned += 1
        if _UNFINISHED_UPLOAD.fullmatch(stored.key):
            if stored.last_modified < cutoff:
                found.append(stored)
            continue
        batch.append(stored)
        if len(batch) >= BATCH:
            settle()
    settle()
    return Orphans(found, scanned, complete=True, unrecorded=unrecorded)


def collect_garbage(
    store: ImageStore, ledger: ObjectLedger, *, older_than: timedelta, dry_run: bool, now: datetime | None = None
) -> dict[str, object]:
    """Find orphans and (unless `dry_run`) delete them; a JSON-ready report. Refuses on the wrong database."""
    orphans = find_orphans(store, ledger, older_than=older_than, now=now)
    if orphans.unrecorded and ledger.recorded_key_count() == 0:
        raise InputError(
            f"This database has no record of any of the {orphans.unrecorded} images in the storage, so it is "
            "not the database that stored them: check DATABASE_URL or the DB_* variables. Nothing was deleted."
        )
    removed = 0
    if not dry_run:
        for stored in orphans.objects:
            store.delete(stored.key)
            removed += 1
        ledger.forget_keys(keys=[o.key for o in orphans.objects if not _UNFINISHED_UPLOAD.fullmatch(o.key)])
    report: dict[str, object] = {
        "dry_run": dry_run,
        "older_than_minutes": older_than.total_seconds() / 60,
        "scanned": orphans.scanned,
        "orphans": [
            {"key": o.key, "last_modified": o.last_modified.isoformat(), "size": o.size} for o in orphans.objects
        ],
        "removed": removed,
        "bytes": sum(o.size for o in orphans.objects),
        "unrecorded": orphans.unrecorded,
        "in_progress_floor_minutes": IN_PROGRESS_FLOOR.total_seconds() / 60,
    }
    if older_than < IN_PROGRESS_FLOOR:
        report["note"] = (
            f"Objects younger than {IN_PROGRESS_FLOOR.total_seconds() / 60:g} minutes were kept whatever "
            "--older-than says: they may belong to a save in progress."
        )
    return report


def collect_garbage_and_old_drafts(
    store: ImageStore,
    records: ImageRecords,
    drafts: DraftStore | None,
    *,
    older_than: timedelta,
    draft_days: int,
    dry_run: bool,
) -> dict[str, object]:
    """`python -m core gc`: drafts older than `draft_days` first (with their objects), then the orphans."""
    cutoff = datetime.now(UTC) - timedelta(days=draft_days)
    old = expire_drafts(store, records, drafts, cutoff=cutoff, dry_run=dry_run) if drafts is not None else []
    report = collect_garbage(store, records, older_than=older_than, dry_run=dry_run)
    report["draft_days"] = draft_days
    report["old_drafts"] = [{"id": d.id, "created_at": d.created_at.isoformat(), "key": d.image_key} for d in old]
    return report


def _candidates(store: ImageStore) -> Iterator[StoredObject]:
    for prefix in PREFIXES:
        for stored in store.list_objects(prefix):
            if _APP_KEY.fullmatch(stored.key) or _UNFINISHED_UPLOAD.fullmatch(stored.key):
                yield stored
