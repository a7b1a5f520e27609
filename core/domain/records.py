"""Plain values for saved images: the record's fields (defined once), the row about to be saved, the saved row."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime

from core.domain.visible_text import visible

MAX_CREATOR_CHARS = 120


@dataclass(frozen=True)
class RecordFields:
    """The columns of `image_records` a save writes (seed columns first): the one list of the record's shape."""

    prompt: str
    image_filename: str
    description: str
    idempotency_key: str | None = None
    transcript: str | None = None
    language: str | None = None  # the transcript's language as detected ("de"); None for typed prompts and old rows
    thumbnail_filename: str | None = None
    content_type: str | None = None
    width: int | None = None
    height: int | None = None
    size_bytes: int | None = None
    seed: int | None = None
    aspect_ratio: str | None = None
    output_format: str | None = None
    output_quality: int | None = None  # None on rows saved before migration 0004
    megapixels: str | None = None
    image_model: str | None = None
    caption_model: str | None = None
    speech_model: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    created_by: str | None = None  # who saved it: a signed-in email, a display name or an OS user
    starred: bool = False
    parent_id: int | None = None  # the record this one was edited from; None for a first image (or a deleted parent)
    edit_instruction: str | None = None  # what was asked of the edit model; None for a first image
    prediction_id: str | None = None  # the paid Replicate prediction that drew it; None before migration 0014


# The ORM mapping (core.db) and the repository read and write exactly these names.
RECORD_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(RecordFields))


@dataclass(frozen=True)
class NewRecord(RecordFields):
    """A row of `image_records` about to be inserted; the database gives it an id and a creation time."""


@dataclass(frozen=True)
class ImageRecordView(RecordFields):
    """One saved row, detached from any database session."""

    id: int = field(kw_only=True)
    created_at: datetime = field(kw_only=True)  # always timezone-aware UTC
    tags: tuple[str, ...] = field(default=(), kw_only=True)  # sorted

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        data["tags"] = sorted(self.tags)
        return data


@dataclass(frozen=True)
class HistoryQuery:
    """Filters and paging for the History page and `python -m core history`."""

    search: str | None = None  # words matched literally in prompt, description or transcript
    since: date | None = None  # inclusive, UTC day
    until: date | None = None  # inclusive, UTC day
    newest_first: bool = True
    limit: int = 50
    offset: int = 0
    starred: bool = False  # only starred records
    tags: tuple[str, ...] = ()  # every one of them must be on the record
    created_by: str | None = None  # exact match
    family: int | None = None  # only the family (edit tree) of this record, from any member


@dataclass(frozen=True)
class HistoryPage:
    records: list[ImageRecordView]
    total: int  # rows matching the filters, ignoring limit/offset


@dataclass(frozen=True)
class HistoryStats:
    """Numbers for the Home overview."""

    total: int
    images_per_day: list[tuple[date, int]]
    average_stage_ms: dict[str, float]


def normalize_creator(text: str | None) -> str | None:
    """A `created_by` value: only visible characters (no ESC, BEL or right-to-left override), NFC, trimmed,
    at most MAX_CREATOR_CHARS, None when empty. Case is kept: a name is shown as its owner wrote it."""
    name = visible(str(text or ""))
    return name[:MAX_CREATOR_CHARS].rstrip() or None
