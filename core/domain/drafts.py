"""What the pipeline produces: a transcript with its time, drafts (images not saved yet), saved images, deletions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from core.domain.ports import GeneratedImage, GenerationRequest, Transcript
from core.domain.records import ImageRecordView


@dataclass(frozen=True)
class Draft:
    """A generated image not yet saved: kept by the caller until saving works, so nothing is lost."""

    image: GeneratedImage
    request: GenerationRequest
    image_model: str
    transcript: str | None = None
    speech_model: str | None = None
    language: str | None = None  # of the transcript, as the speech model detected it
    caption: str | None = None
    caption_model: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    parent_id: int | None = None  # an edit: the saved record it was made from
    edit_instruction: str | None = None

    @property
    def idempotency_key(self) -> str:
        """The same image bytes always give the same key, so a double click saves once."""
        return hashlib.sha256(self.image.data).hexdigest()


@dataclass(frozen=True)
class SavedImage:
    record: ImageRecordView
    created: bool  # False when this image had been saved before


@dataclass(frozen=True)
class TimedTranscript:
    transcript: Transcript
    model_id: str
    ms: float


@dataclass(frozen=True)
class DeleteOutcome:
    deleted: list[int]  # rows and files removed
    kept: list[int]  # files could not be removed, so the rows stay (retry later)
    missing: list[int]  # no such record (already deleted)
    keys: list[str]  # storage keys removed, e.g. to forget cached URLs

    def summary(self) -> str:
        parts = [f"Deleted {len(self.deleted)} image{'s' if len(self.deleted) != 1 else ''} and their files."]
        if self.missing:
            parts.append(f"{len(self.missing)} had already been deleted.")
        if self.kept:
            ids = ", ".join(f"#{record_id}" for record_id in self.kept)
            parts.append(f"Kept {ids}: the storage refused to delete their files; try again.")
        return " ".join(parts)
