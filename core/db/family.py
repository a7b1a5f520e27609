"""Families of edits: a first image, the images edited from it, the images edited from those, and so on.

A family is gathered from any member: up the `parent_id` chain to its first image, then down level by
level (one `parent_id IN (...)` query per generation, served by ix_image_records_parent_id).

Deleting a record sets its children's `parent_id` to NULL, in the same transaction as the delete, rather
than leaving them pointing at a record that is gone: every `parent_id` then names a record that exists, so
"Edited from #N" always opens something, a family gathered from any member is whole, and exports never
carry a dangling number (nor one that a later import or restore could give to a different image). The
children keep their `edit_instruction`, so what was asked is not lost; they become first images of their
own families. (A kept pointer could not be captured by SQLite's reuse of the highest row id while the
child exists, since a child is always newer than its parent; that is not the reason.)
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.db.schema import ImageRecord

MAX_FAMILY = 1000  # members gathered at most; far beyond any real chain of edits, and a bound on a bad cycle
BATCH = 500  # ids per IN list, below every driver's parameter limit


def family_ids(session: Session, record_id: int) -> list[int]:
    """Every id in the family of `record_id` (itself included), or [] if there is no such record."""
    root: int | None = None
    seen: set[int] = set()
    current: int | None = record_id
    while current is not None and current not in seen and len(seen) < MAX_FAMILY:
        row = session.execute(select(ImageRecord.id, ImageRecord.parent_id).where(ImageRecord.id == current)).first()
        if row is None:
            break
        seen.add(current)
        root, current = row.id, row.parent_id
    if root is None:
        return []
    members = [root]
    found = {root}
    generation = [root]
    while generation and len(found) < MAX_FAMILY:
        children: list[int] = []
        for start in range(0, len(generation), BATCH):
            batch = generation[start : start + BATCH]
            children.extend(session.scalars(select(ImageRecord.id).where(ImageRecord.parent_id.in_(batch))))
        generation = [child for child in children if child not in found][: MAX_FAMILY - len(found)]
        found.update(generation)
        members.extend(generation)
    return members


def with_edits(session: Session, record_ids: Collection[int]) -> set[int]:
    """Those of `record_ids` that some record was edited from (a gallery card's "has edits" badge)."""
    ids = sorted(set(record_ids))
    found: set[int] = set()
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        found.update(session.scalars(select(ImageRecord.parent_id).where(ImageRecord.parent_id.in_(batch)).distinct()))
    return found


def orphan_children(session: Session, parent_ids: Collection[int]) -> None:
    """Make the children of these (about to be deleted) records first images; see the module's docstring."""
    ids = sorted(parent_ids)
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        session.execute(update(ImageRecord).where(ImageRecord.parent_id.in_(batch)).values(parent_id=None))
