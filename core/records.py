"""Plain values for saved images: what the pipeline hands the repository and what it gets back."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class NewRecord:
    """A row of `image_records` about to be inserted (seed columns first, then extras)."""

    prompt: str
    image_filename: str
    description: str
    idempotency_key: str
    transcript: str | None = None
    thumbnail_filename: str | None = None
    content_type: str | None = None
    width: int | None = None
    height: int | None = None
    size_bytes: int | None = None
    seed: int | None = None
    aspect_ratio: str | None = None
    output_format: str | None = None
    image_model: str | None = None
    caption_model: str | None = None
    speech_model: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ImageRecordView:
    """One saved row, detached from any database session."""

    id: int
    prompt: str
    image_filename: str
    description: str
    created_at: datetime  # always timezone-aware UTC
    idempotency_key: str | None = None
    transcript: str | None = None
    thumbnail_filename: str | None = None
    content_type: str | None = None
    width: int | None = None
    height: int | None = None
    size_bytes: int | None = None
    seed: int | None = None
    aspect_ratio: str | None = None
    output_format: str | None = None
    image_model: str | None = None
    caption_model: str | None = None
    speech_model: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
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
