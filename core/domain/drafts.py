"""What the pipeline produces: a transcript with its time, drafts (images not saved yet), saved images, deletions.

A paid image is a draft in the database (the `drafts` table, its object already in the ImageStore) from the
moment it arrives until it is saved or discarded, so a closed tab, a crashed server or a killed command
loses nothing that was paid for. `DraftStore` is that table's port (here rather than in ports.py: it is
this module's concept, and a draft row means nothing without a Draft).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from core.domain.ports import GeneratedImage, GenerationRequest, Transcript
from core.domain.records import ImageRecordView, NewRecord


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
    created_by: str | None = None
    draft_id: int | None = None  # its row in `drafts`, once stored (None: not stored, e.g. no DraftStore)
    image_key: str | None = None  # its object in the ImageStore, once stored: Save reuses it

    @property
    def idempotency_key(self) -> str:
        """The same image bytes always give the same key, so a double click saves once."""
        return hashlib.sha256(self.image.data).hexdigest()

    @property
    def prediction_id(self) -> str | None:
        """The paid prediction on Replicate that made the image, kept with the draft and its record."""
        return self.image.prediction_id

    def as_record(
        self,
        *,
        image_key: str,
        thumbnail_key: str,
        size: tuple[int, int],
        timings_ms: dict[str, float],
        created_by: str | None,
    ) -> NewRecord:
        """The record this draft becomes, its image stored at `image_key` and its thumbnail at `thumbnail_key`."""
        request = self.request
        return NewRecord(
            prompt=request.prompt,
            image_filename=image_key,
            description=self.caption or "",
            idempotency_key=self.idempotency_key,
            transcript=self.transcript,
            thumbnail_filename=thumbnail_key,
            content_type=self.image.content_type,
            width=size[0],
            height=size[1],
            size_bytes=len(self.image.data),
            seed=request.seed,
            aspect_ratio=request.aspect_ratio,
            output_format=self.image.output_format,
            output_quality=request.output_quality,
            megapixels=request.megapixels,
            image_model=self.image_model,
            caption_model=self.caption_model,
            speech_model=self.speech_model,
            language=self.language,
            timings_ms=timings_ms,
            created_by=created_by,
            parent_id=self.parent_id,
            edit_instruction=self.edit_instruction,
            prediction_id=self.prediction_id,
        )


# The facts a Draft and a StoredDraft share, under the names of their `drafts` columns (core/db/drafts.py maps
# them both ways); the image itself, the request and the storage bookkeeping are mapped by name there.
DRAFT_FACTS = (
    "image_model",
    "transcript",
    "speech_model",
    "language",
    "caption",
    "caption_model",
    "parent_id",
    "edit_instruction",
    "created_by",
)


class DraftGone(Exception):
    """The draft a save meant to take its stored object from was discarded (or expired) meanwhile.

    Not an AppError: the save catches it and uploads the image it holds under a key of its own instead.
    """


@dataclass(frozen=True)
class StoredDraft:
    """A draft as the `drafts` table holds it: everything but the image bytes, which are in the store."""

    id: int
    created_at: datetime
    image_key: str
    output_format: str
    request: GenerationRequest
    image_model: str
    idempotency_key: str
    transcript: str | None = None
    speech_model: str | None = None
    language: str | None = None
    caption: str | None = None
    caption_model: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    parent_id: int | None = None
    edit_instruction: str | None = None
    created_by: str | None = None
    prediction_id: str | None = None

    def to_draft(self, data: bytes) -> Draft:
        """The Draft again, with its image bytes read back from the store."""
        return Draft(
            image=GeneratedImage(data=data, output_format=self.output_format, prediction_id=self.prediction_id),
            request=self.request,
            timings_ms=dict(self.timings_ms),
            draft_id=self.id,
            image_key=self.image_key,
            **{name: getattr(self, name) for name in DRAFT_FACTS},
        )


class DraftStore(Protocol):
    """The `drafts` table: paid images not saved yet."""

    def add_draft(self, *, draft: Draft, image_key: str) -> StoredDraft:
        """Store a draft whose object is already at `image_key`; a parent deleted meanwhile is stored as None."""
        ...

    def set_caption(self, *, draft_id: int, caption: str, caption_model: str, timings_ms: dict[str, float]) -> None: ...

    def get_drafts(self, *, draft_ids: Collection[int]) -> list[StoredDraft]:
        """Those of these drafts that exist, newest first."""
        ...

    def list_drafts(self, *, created_by: str | None = None, everyone: bool = True) -> list[StoredDraft]:
        """Drafts newest first: everyone's, or (everyone=False) only those `created_by` made."""
        ...

    def remove_draft(self, *, draft_id: int) -> bool:
        """Delete the row only (its object may now belong to a record); False if it was gone already."""
        ...

    def drafts_older_than(self, *, cutoff: datetime) -> list[StoredDraft]: ...


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
