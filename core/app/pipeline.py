"""The create flow as separate, timed steps: transcribe, generate, caption, save; and `create` for all."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import TypeVar

from core.app.drafts import DraftKeeper
from core.app.images import inspect_image, make_thumbnail, new_object_keys
from core.app.prompt_assistant import PromptSteps
from core.config.settings import MAX_AUDIO_SECONDS, MAX_UPLOAD_BYTES
from core.domain.drafts import Draft, DraftGone, DraftStore, SavedImage, TimedTranscript
from core.domain.errors import AppError, AudioError
from core.domain.languages import language_code
from core.domain.ports import (
    Captioner,
    GeneratedImage,
    GenerationRequest,
    ImageGenerator,
    ImageStore,
    Records,
    Transcriber,
)
from core.domain.progress import (
    CAPTION,
    GENERATE,
    LOAD_CAPTION_MODEL,
    LOAD_SPEECH_MODEL,
    TRANSCRIBE,
    UPLOAD,
    Progress,
    StageLog,
    timed_stage,
)
from core.domain.prompts import (
    MAX_SEED,
    check_transcript_length,
    one_request_per_image,
    validate_prompt,
    validate_request,
)
from core.domain.records import ImageRecordView
from core.speech.audio import decode_audio

log = logging.getLogger(__name__)
M = TypeVar("M")


def random_seed() -> int:
    """A seed for a request that gave none, so the image it makes can be made again."""
    return secrets.randbelow(MAX_SEED + 1)


class Pipeline:
    """Creates images, stage by stage against the ports; models load lazily, so listing history never loads one."""

    def __init__(
        self,
        *,
        store: ImageStore,
        records: Records,
        generator: ImageGenerator,
        transcriber: Callable[[], Transcriber],
        captioner: Callable[[], Captioner],
        max_prompt_chars: int = 1000,
        max_audio_seconds: float = MAX_AUDIO_SECONDS,
        max_audio_bytes: int = MAX_UPLOAD_BYTES,
        drafts: DraftStore | None = None,
        on_saved: Callable[[ImageRecordView], None] | None = None,
    ) -> None:
        self.store = store
        self.keeper = DraftKeeper(store=store, records=records, drafts=drafts)
        self.records = records
        self.generator = generator
        self._transcriber = transcriber
        self._captioner = captioner
        self.max_prompt_chars = max_prompt_chars
        self.max_audio_seconds = max_audio_seconds
        self.max_audio_bytes = max_audio_bytes
        self.on_saved = on_saved  # after a new row is in (a search vector, core.app.meaning); must not raise

    def transcribe(
        self,
        audio: bytes,
        *,
        filename: str | None = None,
        progress: Progress | None = None,
        language: str | None = None,
    ) -> TimedTranscript:
        """Decode and transcribe (in `language`, a Whisper code, or the one detected); an empty one is an error."""
        progress = progress or StageLog()
        timings: dict[str, float] = {}
        clip = decode_audio(
            audio, filename=filename, max_seconds=self.max_audio_seconds, max_bytes=self.max_audio_bytes
        )
        transcriber = self._model(self._transcriber, LOAD_SPEECH_MODEL, progress)
        with timed_stage(timings, TRANSCRIBE, progress):
            transcript = transcriber.transcribe(clip, language=language)
        if not transcript.text.strip():
            raise AudioError("No speech was recognised. Speak closer to the microphone and record again.")
        timed = TimedTranscript(transcript, transcriber.model_id, timings[TRANSCRIBE])
        progress.transcribed(timed)
        return timed

    def generate(
        self,
        request: GenerationRequest,
        *,
        transcript: TimedTranscript | None = None,
        progress: Progress | None = None,
        earlier_ms: dict[str, float] | None = None,
        created_by: str | None = None,
    ) -> list[Draft]:
        """Validate the request, give it a seed if it has none, and draw each image alone with its own seed.

        Each image becomes a Draft, stored as one (object and row) before this returns: a paid image survives
        whatever comes next, even when another image of the batch failed.

        `earlier_ms` are the times of stages before this one (the prompt steps), kept with the drafts."""
        progress = progress or StageLog()
        request = validate_request(request, max_chars=self.max_prompt_chars)
        if request.seed is None:
            request = replace(request, seed=random_seed())
        timings: dict[str, float] = {}
        if transcript is not None:
            timings[TRANSCRIBE] = transcript.ms
        timings.update(earlier_ms or {})
        singles = one_request_per_image(request)
        with timed_stage(timings, GENERATE, progress):
            drawn = self._draw_concurrently(singles)
        drafts = [
            Draft(
                image=image,
                request=single,
                image_model=self.generator.model_id,
                transcript=transcript.transcript.text if transcript else None,
                speech_model=transcript.model_id if transcript else None,
                language=language_code(transcript.transcript.language) if transcript else None,
                timings_ms=dict(timings),
                created_by=created_by,
            )
            for single, images in zip(singles, drawn, strict=True)
            if not isinstance(images, BaseException)
            for image in images[:1]
        ]
        if drafts:  # the images that came are kept (and shown) even when another of the batch failed
            progress.images_ready(drafts)  # on screen at once; kept (uploaded, a row) before anything else
            drafts = [self.keeper.keep(draft) for draft in drafts]
            progress.images_ready(drafts)
        if failed := next((images for images in drawn if isinstance(images, BaseException)), None):
            raise failed
        return drafts

    def _draw_concurrently(self, singles: list[GenerationRequest]) -> list[list[GeneratedImage] | BaseException]:
        """Each single-image request as its own prediction, all at once; a failure is returned in its place."""
        if len(singles) == 1:
            return [self.generator.generate(singles[0])]

        def draw(single: GenerationRequest) -> list[GeneratedImage] | BaseException:
            try:
                return self.generator.generate(single)
            except Exception as exc:  # the others may still succeed; the caller raises the first failure
                return exc

        with ThreadPoolExecutor(max_workers=len(singles), thread_name_prefix="generate") as pool:
            return list(pool.map(draw, singles))

    def caption(self, draft: Draft, *, progress: Progress | None = None, index: int = 0) -> Draft:
        """Caption the draft's image (again, if it had a caption); `index` says which image of its run it is."""
        progress = progress or StageLog()
        timings = {k: v for k, v in draft.timings_ms.items() if k != CAPTION}
        captioner = self._model(self._captioner, LOAD_CAPTION_MODEL, progress)
        with timed_stage(timings, CAPTION, progress, index + 1):
            text = captioner.caption(draft.image.data)
        captioned = replace(draft, caption=text, caption_model=captioner.model_id, timings_ms=timings)
        self.keeper.note_caption(captioned)
        progress.captioned(index, captioned)
        return captioned

    def caption_all(self, drafts: list[Draft], *, progress: Progress | None = None) -> list[Draft]:
        """Caption every draft of a run in one batched model call (the images are on screen already).

        One stage for the batch; each draft records its share of the batch's time as its caption time, so
        the times of a run's records still add up to what the run took.
        """
        progress = progress or StageLog()
        if len(drafts) <= 1:
            return [self.caption(draft, progress=progress, index=i) for i, draft in enumerate(drafts)]
        captioner = self._model(self._captioner, LOAD_CAPTION_MODEL, progress)
        batch: dict[str, float] = {}
        with timed_stage(batch, CAPTION, progress):
            texts = captioner.caption_many([draft.image.data for draft in drafts])
        share = round(batch[CAPTION] / len(drafts), 1)
        captioned = []
        for index, (draft, text) in enumerate(zip(drafts, texts, strict=True)):
            timings = {**draft.timings_ms, CAPTION: share}
            one = replace(draft, caption=text, caption_model=captioner.model_id, timings_ms=timings)
            self.keeper.note_caption(one)
            progress.captioned(index, one)
            captioned.append(one)
        return captioned

    def create(
        self,
        request: GenerationRequest,
        *,
        audio: bytes | None = None,
        filename: str | None = None,
        transcript: TimedTranscript | None = None,
        save: bool = True,
        created_by: str | None = None,
        progress: Progress | None = None,
        steps: PromptSteps | None = None,
        language: str | None = None,
    ) -> list[Draft | SavedImage]:
        """Do it all: transcribe (with audio, its transcript becomes the prompt), generate, caption, save.

        `transcript` is an earlier transcript the (possibly edited) prompt came from; it is stored beside it.
        `progress` hears of each stage and result as it happens, so a page can show images before captions.
        `steps` (translate, improve) rewrite the prompt before the image is paid for; a failed step stops the run.
        """
        progress = progress or StageLog()
        if audio is not None:
            transcript = self.transcribe(audio, filename=filename, progress=progress, language=language)
            check_transcript_length(transcript.transcript.text, max_chars=self.max_prompt_chars)
            request = replace(request, prompt=transcript.transcript.text)
        request = replace(request, prompt=validate_prompt(request.prompt, max_chars=self.max_prompt_chars))
        step_ms: dict[str, float] = {}
        if steps is not None:
            language = transcript.transcript.language if transcript else None
            prompt = steps.apply(request.prompt, language=language, timings=step_ms, progress=progress)
            request = replace(request, prompt=prompt)
        drafts = self.generate(
            request, transcript=transcript, progress=progress, earlier_ms=step_ms, created_by=created_by
        )
        drafts = self.caption_all(drafts, progress=progress)
        if not save:
            return list(drafts)
        return [self.save(draft, progress=progress, index=i, created_by=created_by) for i, draft in enumerate(drafts)]

    @staticmethod
    def _model(provider: Callable[[], M], stage: str, progress: Progress) -> M:
        """Fetch a model; when it is not loaded yet (or another thread is loading it), time the wait as a stage."""
        if getattr(provider, "loaded", True):
            return provider()
        timings: dict[str, float] = {}
        with timed_stage(timings, stage, progress):
            return provider()

    def save(
        self, draft: Draft, *, progress: Progress | None = None, index: int = 0, created_by: str | None = None
    ) -> SavedImage:
        """Upload the thumbnail (and the image, unless its draft holds it), then insert the row and drop the draft;
        undo the new uploads if the insert fails. A draft's seed, model and timings become the record's.

        Save wins over a discard of the same draft elsewhere (another tab, gc): the insert takes the draft's row
        in its own transaction, and if a discard took it first, the image in hand goes up under a key of its own.
        """
        try:
            return self._save(draft, progress=progress, index=index, created_by=created_by)
        except DraftGone:
            alone = replace(draft, draft_id=None, image_key=None)
            return self._save(alone, progress=progress, index=index, created_by=created_by)

    def _save(self, draft: Draft, *, progress: Progress | None, index: int, created_by: str | None) -> SavedImage:
        progress = progress or StageLog()
        created_by = draft.created_by if created_by is None else created_by
        existing = self.records.find_by_idempotency_key(key=draft.idempotency_key)
        if existing is not None:
            self.keeper.settle(draft)
            progress.saved(index, SavedImage(existing, created=False))
            return SavedImage(existing, created=False)
        timings = dict(draft.timings_ms)
        with timed_stage(timings, UPLOAD, progress, index + 1):
            info = inspect_image(draft.image.data)
            thumbnail = make_thumbnail(draft.image.data)
            image_key, thumbnail_key = new_object_keys(draft.image.output_format)
            reused = draft.image_key if draft.draft_id is not None else None  # the draft's object, if stored
            fresh = [thumbnail_key] if reused else [image_key, thumbnail_key]
            image_key = reused or image_key
            # Noted before uploading: an upload the insert never follows is then this database's to collect.
            self.records.record_keys(keys=fresh)
            if not reused:
                self.store.put(image_key, draft.image.data, draft.image.content_type)
            try:
                self.store.put(thumbnail_key, thumbnail, "image/webp")
            except BaseException:
                self._remove_quietly(*fresh[:-1])
                raise
        size = (info.width, info.height)
        new = draft.as_record(
            image_key=image_key, thumbnail_key=thumbnail_key, size=size, timings_ms=timings, created_by=created_by
        )
        try:
            record, created = self.records.add(record=new, from_draft=draft.draft_id if reused else None)
        except BaseException:
            self._remove_quietly(*fresh)
            raise
        if not created:  # another save of the same image won the race: keep only its objects
            self._remove_quietly(*(k for k in fresh if k not in (record.image_filename, record.thumbnail_filename)))
        elif self.on_saved is not None:
            self.on_saved(record)
        self.keeper.settle(draft)
        progress.saved(index, SavedImage(record, created))
        return SavedImage(record, created)

    def _remove_quietly(self, *keys: str) -> None:
        for key in keys:
            try:
                self.store.delete(key)
            except AppError as exc:  # the original failure matters more; log what may be left behind
                log.warning("Could not remove %s after a failed save: %s", key, exc)
