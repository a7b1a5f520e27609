"""`python -m core gc`: remove stored objects that no record points to, once they are old enough.

A save uploads the image and its thumbnail before inserting the row, so a fresh object without a
record may be a save in progress: only objects older than a grace period are collected. Only keys
the app makes (`images/<uuid>.<ext>`, `thumbnails/<uuid>.webp`, and a local store's unfinished
`.upload-*.part` files) are considered, so objects others keep in a shared bucket are never touched.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.domain.ports import ImageStore, KeyReferences, StoredObject

DEFAULT_GRACE_MINUTES = 60
PREFIXES = ("images/", "thumbnails/")
_APP_KEY = re.compile(
    r"(images/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}\.(webp|jpg|png)"
    r"|thumbnails/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}\.webp"
    r"|(images|thumbnails)/\.upload-[^/]+\.part)"
)
BATCH = 1000  # keys looked up in the database at a time, so memory stays flat on a big bucket


@dataclass(frozen=True)
class Orphans:
    objects: list[StoredObject]
    scanned: int
    complete: bool  # False when the scan stopped at its limit


def find_orphans(
    store: ImageStore,
    repository: KeyReferences,
    *,
    older_than: timedelta,
    now: datetime | None = None,
    max_scanned: int | None = None,
) -> Orphans:
    """App-made objects older than `older_than` that no record uses as image or thumbnail."""
    cutoff = (now or datetime.now(UTC)) - older_than
    found: list[StoredObject] = []
    scanned = 0
    batch: list[StoredObject] = []
    for stored in _app_objects(store):
        if max_scanned is not None and scanned >= max_scanned:
            found.extend(_unreferenced(repository, batch))
            return Orphans(found, scanned, complete=False)
        scanned += 1
        if stored.last_modified < cutoff:
            batch.append(stored)
        if len(batch) >= BATCH:
            found.extend(_unreferenced(repository, batch))
            batch = []
    found.extend(_unreferenced(repository, batch))
    return Orphans(found, scanned, complete=True)


def collect_garbage(
    store: ImageStore, repository: KeyReferences, *, older_than: timedelta, dry_run: bool
) -> dict[str, object]:
    """Find orphans and (unless `dry_run`) delete them; a JSON-ready report."""
    orphans = find_orphans(store, repository, older_than=older_than)
    removed = 0
    if not dry_run:
        for stored in orphans.objects:
            store.delete(stored.key)
            removed += 1
    return {
        "dry_run": dry_run,
        "older_than_minutes": older_than.total_seconds() / 60,
        "scanned": orphans.scanned,
        "orphans": [
            {"key": o.key, "last_modified": o.last_modified.isoformat(), "size": o.size} for o in orphans.objects
        ],
        "removed": removed,
        "bytes": sum(o.size for o in orphans.objects),
    }


def _app_objects(store: ImageStore) -> Iterator[StoredObject]:
    for prefix in PREFIXES:
        for stored in store.list_objects(prefix):
            if _APP_KEY.fullmatch(stored.key):
                yield stored


def _unreferenced(repository: KeyReferences, batch: list[StoredObject]) -> list[StoredObject]:
    if not batch:
        return []
    used = repository.referenced_keys(keys=[s.key for s in batch])
    return [s for s in batch if s.key not in used]
