"""One Generate or "Do it all" running on a worker thread, watched by whoever started it.

The pipeline does the work and reports each step (core.domain.progress); a CreateRun keeps those reports so a
page can show each image as soon as it arrives and its caption when that is done, without waiting for the
whole run, and can tell that a paid prediction is already under way.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass

from core.app.pipeline import Draft, Pipeline, SavedImage, TimedTranscript
from core.app.prompt_assistant import PromptSteps
from core.domain.ports import GenerationRequest
from core.domain.progress import StageLog


@dataclass(frozen=True)
class RunInput:
    """What a run starts from: a request, and audio to transcribe first or the transcript its prompt came from."""

    request: GenerationRequest
    audio: bytes | None = None
    filename: str | None = None
    transcript: TimedTranscript | None = None
    save: bool = False
    created_by: str | None = None  # who the saved images are recorded as made by
    steps: PromptSteps | None = None  # prompt steps between transcript and image (translate, improve)
    language: str | None = None  # the language the person said the audio is in; None: detect it

    @property
    def steps_model(self) -> str | None:
        return self.steps.assistant.model.model_id if self.steps else None


class CreateRun(StageLog):
    """The progress of one run; `start` runs it on a daemon thread, and every attribute may be read meanwhile."""

    def __init__(self, pipeline: Pipeline, run_input: RunInput) -> None:
        super().__init__()
        self.id = uuid.uuid4().hex
        self.input = run_input
        self.transcript: TimedTranscript | None = run_input.transcript
        self.drafts: list[Draft] = []
        self.saved_ids: dict[int, int] = {}  # draft index -> record id
        self.error: Exception | None = None
        self.failed_stage: tuple[str, int | None] | None = None
        self._pipeline = pipeline
        self._done = threading.Event()
        self._lock = threading.Lock()

    @property
    def prompt(self) -> str:
        """The prompt the images were drawn from, once known (with audio: its transcript)."""
        if self.drafts:
            return self.drafts[0].request.prompt
        if self.input.audio is not None and self.transcript is not None:
            return self.transcript.transcript.text
        return self.input.request.prompt

    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def captions_done(self) -> bool:
        return self.done or (bool(self.drafts) and all(d.caption is not None for d in self.drafts))

    def start(self) -> CreateRun:
        threading.Thread(target=self.run, name=f"create-run-{self.id[:8]}", daemon=True).start()
        return self

    def run(self) -> None:
        """Run every stage here and now; a failure is kept (with the stage it hit), never raised."""
        given = self.input
        try:
            self._pipeline.create(
                given.request,
                audio=given.audio,
                filename=given.filename,
                transcript=given.transcript,
                save=given.save,
                created_by=given.created_by,
                progress=self,
                steps=given.steps,
                language=given.language,
            )
        except Exception as exc:  # kept for the page to explain; the images made so far stay in `drafts`
            self.error, self.failed_stage = exc, self.current
        finally:
            self._done.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the run has finished (or `timeout` seconds passed); True if it has."""
        return self._done.wait(timeout)

    # Progress: called on the worker thread as the pipeline goes.
    def transcribed(self, transcript: TimedTranscript) -> None:
        self.transcript = transcript

    def images_ready(self, drafts: list[Draft]) -> None:
        with self._lock:
            self.drafts = list(drafts)

    def captioned(self, index: int, draft: Draft) -> None:
        self.replace_draft(index, draft)

    def saved(self, index: int, saved: SavedImage) -> None:
        self.mark_saved(index, saved.record.id)

    # Changes a page makes afterwards (a new caption, a save), kept in the same place.
    def replace_draft(self, index: int, draft: Draft) -> None:
        with self._lock:
            drafts = list(self.drafts)
            drafts[index] = draft
            self.drafts = drafts

    def mark_saved(self, index: int, record_id: int) -> None:
        with self._lock:
            self.saved_ids = {**self.saved_ids, index: record_id}
