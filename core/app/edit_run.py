"""One "Change this image" running on a worker thread, watched by the page that started it.

A page starts the run from a button callback and returns at once, so a second click that arrives while the
edit is being made finds the run still going and is refused: one click, one paid prediction. The run keeps
the source record, the captioned edit (a Draft, not saved) or what stopped it, and later the saved child's id.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass

from core.app.edit import Editing
from core.domain.drafts import Draft
from core.domain.progress import StageLog
from core.domain.records import ImageRecordView


@dataclass(frozen=True)
class EditInput:
    """What to change and how: the saved source, the instruction, and where the instruction came from."""

    record_id: int
    instruction: str
    transcript: str | None = None  # what was spoken, when the instruction was recorded or uploaded
    speech_model: str | None = None
    seed: int | None = None
    output_format: str = "jpg"
    created_by: str | None = None  # who asked: the draft the edit is kept as says so


class EditRun(StageLog):
    """The progress of one edit; `start` runs it on a daemon thread and every attribute may be read meanwhile."""

    def __init__(self, editing: Editing, edit_input: EditInput) -> None:
        super().__init__()
        self.id = uuid.uuid4().hex
        self.input = edit_input
        self.source: ImageRecordView | None = None
        self.draft: Draft | None = None
        self.error: Exception | None = None
        self.saved_id: int | None = None
        self._editing = editing
        self._done = threading.Event()
        self._save_lock = threading.Lock()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def start(self) -> EditRun:
        threading.Thread(target=self.run, name=f"edit-run-{self.id[:8]}", daemon=True).start()
        return self

    def run(self) -> None:
        """Read the source, check for free, edit once and caption; a failure is kept, never raised."""
        given = self.input
        try:
            source = self._editing.source(given.record_id)
            self.source = source.record
            self.draft = self._editing.edit(
                source,
                given.instruction,
                seed=given.seed,
                output_format=given.output_format,
                transcript=given.transcript,
                speech_model=given.speech_model,
                progress=self,
                created_by=given.created_by,
            )
        except Exception as exc:  # kept for the page to explain in words the user can act on
            self.error = exc
        finally:
            self._done.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the edit has finished (or `timeout` seconds passed); True if it has."""
        return self._done.wait(timeout)

    def save(self, *, created_by: str | None = None) -> int:
        """Save the edit as a child of its source, once however often this is called; the new record's id."""
        if self.draft is None:
            raise RuntimeError("There is no finished edit to save.")  # a caller's bug: Save shows only after one
        with self._save_lock:
            if self.saved_id is None:
                self.saved_id = self._editing.pipeline.save(self.draft, created_by=created_by).record.id
            return self.saved_id
