"""Tags live in an array column of `image_records`: a text[] with a GIN index on PostgreSQL, a JSON list on SQLite.

An array rather than a join table lets PostgreSQL answer "these tags and these words" from two indexes at
once (a BitmapAnd of the tag GIN index and the trigram index) instead of checking every word match.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import ColumnElement, TextClause, exists, func, select, text, update
from sqlalchemy.orm import Session

from core.db.schema import ImageRecord
from core.domain.errors import InputError
from core.domain.tags import MAX_TAGS_PER_RECORD

_POSTGRES_COUNTS = """
SELECT tag, count(*) FROM image_records, unnest(image_records.tags) AS tag
GROUP BY tag ORDER BY count(*) DESC, tag
"""
_SQLITE_COUNTS = """
SELECT j.value, count(*) FROM image_records AS r, json_each(r.tags) AS j
GROUP BY j.value ORDER BY count(*) DESC, j.value
"""


def has_all_tags(dialect: str, tags: tuple[str, ...]) -> list[ColumnElement[bool]]:
    """Conditions true for records carrying every one of `tags` (already normalized)."""
    if not tags:
        return []
    if dialect == "postgresql":
        return [ImageRecord.tags.contains(list(tags))]  # tags @> ARRAY[...], served by the GIN index
    conditions: list[ColumnElement[bool]] = []
    for tag in tags:
        each = func.json_each(ImageRecord.tags).table_valued("value")
        conditions.append(exists(select(1).select_from(each).where(each.c.value == tag)))
    return conditions


def tag_counts_statement(dialect: str) -> TextClause:
    return text(_POSTGRES_COUNTS if dialect == "postgresql" else _SQLITE_COUNTS)


def retag(session: Session, id_batches: Iterable[list[int]], change: Callable[[set[str]], set[str]]) -> tuple[int, int]:
    """Apply `change` to each record's tags; (records found, tags removed).

    Atomic as long as `session` is a write transaction: on PostgreSQL the rows are locked as they are read
    (FOR UPDATE); on SQLite the transaction began IMMEDIATE, holding the database's write lock. Either way a
    concurrent change waits and then sees this one's result, so no tag is lost. A record that would end up
    with more than MAX_TAGS_PER_RECORD tags refuses the whole change.
    """
    changes: list[tuple[int, set[str], set[str]]] = []
    for batch in id_batches:
        found = select(ImageRecord.id, ImageRecord.tags).where(ImageRecord.id.in_(batch)).with_for_update()
        for record_id, have in session.execute(found):
            changes.append((record_id, set(have or ()), change(set(have or ()))))
    if crowded := [record_id for record_id, old, new in changes if len(new) > max(len(old), MAX_TAGS_PER_RECORD)]:
        listed = ", ".join(f"#{record_id}" for record_id in crowded[:10]) + (" …" if len(crowded) > 10 else "")
        raise InputError(
            f"An image carries at most {MAX_TAGS_PER_RECORD} tags, and this would give {listed} more: "
            "remove some tags first. Nothing was changed."
        )
    updates = [{"id": record_id, "tags": sorted(new)} for record_id, old, new in changes if new != old]
    if updates:
        session.execute(update(ImageRecord), updates)
    return len(changes), sum(len(old - new) for _, old, new in changes)
