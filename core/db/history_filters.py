"""History's filters as SQL conditions: words in prompt or caption, dates, stars, author and tags."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Text, literal_column

from core.db.schema import ImageRecord
from core.db.tags import has_all_tags
from core.domain.records import HistoryQuery
from core.domain.tags import normalize_tags

# Identical to the expression of the trigram index made by migration 0002, so PostgreSQL can use it.
SEARCH_TEXT_SQL = "(coalesce(prompt, '') || ' ' || coalesce(description, '') || ' ' || coalesce(transcript, ''))"


LIKE_ESCAPE = "/"


def history_conditions(query: HistoryQuery, dialect: str) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    search_text = literal_column(SEARCH_TEXT_SQL, type_=Text)
    # Control characters never reach a saved prompt, and PostgreSQL refuses NUL in text outright.
    search = "".join(" " if unicodedata.category(c) == "Cc" else c for c in query.search or "")
    for word in search.split():
        conditions.append(search_text.ilike(f"%{_escape_like(word)}%", escape=LIKE_ESCAPE))
    if query.since:
        conditions.append(ImageRecord.created_at >= datetime.combine(query.since, time.min, UTC))
    if query.until and query.until < date.max:  # the day after 9999-12-31 does not exist: no upper bound
        conditions.append(ImageRecord.created_at < datetime.combine(query.until + timedelta(days=1), time.min, UTC))
    if query.starred:
        conditions.append(ImageRecord.starred.is_(True))
    if query.created_by:
        conditions.append(ImageRecord.created_by == query.created_by)
    conditions.extend(has_all_tags(dialect, normalize_tags(list(query.tags)) if query.tags else ()))
    return conditions


def _escape_like(word: str) -> str:
    """Make %, _ and the escape character itself match literally."""
    for special in (LIKE_ESCAPE, "%", "_"):
        word = word.replace(special, LIKE_ESCAPE + special)
    return word
