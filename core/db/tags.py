"""Tags live in an array column of `image_records`: a text[] with a GIN index on PostgreSQL, a JSON list on SQLite.

An array rather than a join table lets PostgreSQL answer "these tags and these words" from two indexes at
once (a BitmapAnd of the tag GIN index and the trigram index) instead of checking every word match.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, TextClause, exists, func, select, text

from core.db.schema import ImageRecord

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
