"""The create flow as separate, timed steps: transcribe, generate, caption, save; and `create` for all."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from core.audio import decode_audio
from core.config import MAX_AUDIO_SECONDS, MAX_UPLOAD_BYTES
from core.errors import AppError, AudioError, DatabaseError
from core.images import inspect_image, make_thumbnail, new_object_keys
from core.ports import (
    Captioner,
    GeneratedImage,
    GenerationRequest,
    ImageGenerator,
    ImageStore,
    Records,
    Transcriber,
    Transcript,
)
from core.prompts import check_transcript_length, validate_prompt, validate_request
from core.records import ImageRecordView, NewRecord

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Draft:
    """A generated image not yet saved: kept by the caller until saving works, so nothing is lost."""

    image: GeneratedImage
    request: GenerationRequest
    image_model: str
    transcript: str | None = None
    speech_model: str | None = None
    caption: str | None = None
    caption_model: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def idempotency_key(self) -> str:
        """The same image bytes always give the same key, so a double click saves once."""
        return hashlib.sha256(self.image.data).hexdigest()


@dataclass(frozen=True)
class SavedImage:
    record: ImageRecordView
    created: bool  # False when this image had been saved before


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


@dataclass(frozen=True)
class TimedTranscript:
    transcript: Transcript
    model_id: str
    ms: float


@contextmanager
def _stopwatch(timings: dict[str, float], stage: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = round(timings.get(stage, 0.0) + (time.perf_counter() - started) * 1000, 1)


class Pipeline:
    """Runs each stage against the ports; models are fetched lazily so listing history never loads one."""

    def __init__(
        self,
        *,
        store: ImageStore,
        repository: Records,
        generator: ImageGenerator,
        transcriber: Callable[[], Transcriber],
        captioner: Callable[[], Captioner],
        max_prompt_chars: int = 1000,
        max_audio_seconds: float = MAX_AUDIO_SECONDS,
        max_audio_bytes: int = MAX_UPLOAD_BYTES,
    ) -> None:
        self.store = store
        self.repository = repository
        self.generator = generator
        self._transcriber = transcriber
        self._captioner = captioner
        self.max_prompt_chars = max_prompt_chars
        self.max_audio_seconds = max_audio_seconds
        self.max_audio_bytes = max_audio_bytes

    def transcribe(self, audio: bytes, *, filename: str | None = None) -> TimedTranscript:
        """Decode and transcribe; an empty transcript is an error the user can act on."""
        timings: dict[str, float] = {}
        clip = decode_audio(
            audio, filename=filename, max_seconds=self.max_audio_seconds, max_bytes=self.max_audio_bytes
        )
        transcriber = self._transcriber()  # loading is a one-off per process, not part of the stage's time
        with _stopwatch(timings, "transcribe"):
            transcript = transcriber.transcribe(clip)
        if not transcript.text.strip():
            raise AudioError("No speech was recognised. Speak closer to the microphone and record again.")
        return TimedTranscript(transcript, transcriber.model_id, timings["transcribe"])

    def generate(self, request: GenerationRequest, *, transcript: TimedTranscript | None = None) -> list[Draft]:
        """Validate the request and draw its images; each becomes a Draft."""
        request = validate_request(request, max_chars=self.max_prompt_chars)
        timings: dict[str, float] = {}
        if transcript is not None:
            timings["transcribe"] = transcript.ms
        with _stopwatch(timings, "generate"):
            images = self.generator.generate(request)
        return [
            Draft(
                image=image,
                request=request,
                image_model=self.generator.model_id,
                transcript=transcript.transcript.text if transcript else None,
                speech_model=transcript.model_id if transcript else None,
                timings_ms=dict(timings),
            )
            for image in images
        ]

    def caption(self, draft: Draft) -> Draft:
        """Caption the draft's image (again, if it had a caption)."""
        timings = {k: v for k, v in draft.timings_ms.items() if k != "caption"}
        captioner = self._captioner()
        with _stopwatch(timings, "caption"):
            text = captioner.caption(draft.image.data)
        return replace(draft, caption=text, caption_model=captioner.model_id, timings_ms=timings)

    def save(self, draft: Draft, *, created_by: str | None = None) -> SavedImage:
        """Upload image and thumbnail, then insert the row; undo the uploads if the insert fails."""
        existing = self.repository.find_by_idempotency_key(key=draft.idempotency_key)
        if existing is not None:
            return SavedImage(existing, created=False)
        timings = dict(draft.timings_ms)
        with _stopwatch(timings, "upload"):
            info = inspect_image(draft.image.data)
            thumbnail = make_thumbnail(draft.image.data)
            image_key, thumbnail_key = new_object_keys(draft.image.output_format)
            self.store.put(image_key, draft.image.data, draft.image.content_type)
            try:
                self.store.put(thumbnail_key, thumbnail, "image/webp")
            except BaseException:
                self._remove_quietly(image_key)
                raise
        new = NewRecord(
            prompt=draft.request.prompt,
            image_filename=image_key,
            description=draft.caption or "",
            idempotency_key=draft.idempotency_key,
            transcript=draft.transcript,
            thumbnail_filename=thumbnail_key,
            content_type=draft.image.content_type,
            width=info.width,
            height=info.height,
            size_bytes=len(draft.image.data),
            seed=draft.request.seed,
            aspect_ratio=draft.request.aspect_ratio,
            output_format=draft.image.output_format,
            image_model=draft.image_model,
            caption_model=draft.caption_model,
            speech_model=draft.speech_model,
            timings_ms=timings,
            created_by=created_by,
        )
        try:
            record, created = self.repository.add(record=new)
        except BaseException:
            self._remove_quietly(image_key, thumbnail_key)
            raise
        if not created:  # another save of the same image won the race: keep only its objects
            self._remove_quietly(image_key, thumbnail_key)
        return SavedImage(record, created)

    def create(
        self,
        request: GenerationRequest,
        *,
        audio: bytes | None = None,
        filename: str | None = None,
        save: bool = True,
        created_by: str | None = None,
    ) -> list[Draft | SavedImage]:
        """Run every stage; with audio, its transcript becomes the prompt."""
        transcript = None
        if audio is not None:
            transcript = self.transcribe(audio, filename=filename)
            check_transcript_length(transcript.transcript.text, max_chars=self.max_prompt_chars)
            request = replace(request, prompt=transcript.transcript.text)
        request = replace(request, prompt=validate_prompt(request.prompt, max_chars=self.max_prompt_chars))
        drafts = [self.caption(draft) for draft in self.generate(request, transcript=transcript)]
        return [self.save(draft, created_by=created_by) for draft in drafts] if save else list(drafts)

    def delete(self, record: ImageRecordView) -> None:
        """Remove the objects first, then the row, so a failure never leaves unreachable objects."""
        for key in (record.image_filename, record.thumbnail_filename):
            if key:
                self.store.delete(key)
        if not self.repository.delete(record_id=record.id):
            raise DatabaseError(f"Record {record.id} was already deleted.")

    def delete_many(self, record_ids: Collection[int]) -> DeleteOutcome:
        """Objects first, then rows: a record whose files could not be removed keeps its row, so nothing is orphaned."""
        records = self.repository.get_many(record_ids=record_ids)
        removed: list[int] = []
        kept: list[int] = []
        for record in records:
            try:
                for key in (record.image_filename, record.thumbnail_filename):
                    if key:
                        self.store.delete(key)
            except AppError as exc:
                log.warning("Kept record %s: its files could not be removed: %s", record.id, exc)
                kept.append(record.id)
            else:
                removed.append(record.id)
        if removed:
            self.repository.delete_many(record_ids=removed)
        missing = sorted(set(record_ids) - {record.id for record in records})
        return DeleteOutcome(deleted=removed, kept=kept, missing=missing, keys=_keys_of(records, removed))

    def recaption(self, record: ImageRecordView) -> ImageRecordView:
        """Caption a saved image again and store the new description."""
        captioner = self._captioner()
        text = captioner.caption(self.store.get(record.image_filename))
        updated = self.repository.update_description(record_id=record.id, description=text)
        if updated is None:
            raise DatabaseError(f"Record {record.id} no longer exists.")
        return updated

    def _remove_quietly(self, *keys: str) -> None:
        for key in keys:
            try:
                self.store.delete(key)
            except AppError as exc:  # the original failure matters more; log what may be left behind
                log.warning("Could not remove %s after a failed save: %s", key, exc)


def _keys_of(records: list[ImageRecordView], record_ids: list[int]) -> list[str]:
    chosen = set(record_ids)
    return [
        key
        for record in records
        if record.id in chosen
        for key in (record.image_filename, record.thumbnail_filename)
        if key
    ]
