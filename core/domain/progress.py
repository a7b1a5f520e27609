"""What the pipeline reports while it works: each stage's one measured time, and results as they arrive.

Every screen and the command line show these figures; nothing else times a stage, so a transcription has
one duration wherever it appears.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from core.domain.drafts import Draft, SavedImage, TimedTranscript

# Stage names, in the order they can run. Loading a model is a stage of its own, reported only when it happens.
LOAD_SPEECH_MODEL = "load_speech_model"
TRANSCRIBE = "transcribe"
GENERATE = "generate"
LOAD_CAPTION_MODEL = "load_caption_model"
CAPTION = "caption"
UPLOAD = "upload"


@dataclass(frozen=True)
class Stage:
    """One stage that ran: its name, which image it was about (1-based, for per-image stages) and its time."""

    name: str
    ms: float
    image: int | None = None


class Progress(Protocol):
    """Told about each step of a run as it happens; every method is called from the thread doing the work."""

    def started(self, name: str, image: int | None = None) -> None: ...

    def finished(self, stage: Stage) -> None: ...

    def transcribed(self, transcript: TimedTranscript) -> None: ...

    def images_ready(self, drafts: list[Draft]) -> None:
        """Twice per run: when the images arrive, then once they are stored as drafts (with their draft ids)."""
        ...

    def captioned(self, index: int, draft: Draft) -> None: ...

    def saved(self, index: int, saved: SavedImage) -> None: ...


class StageLog:
    """A Progress that keeps the stages in the order they ran, and ignores results."""

    def __init__(self) -> None:
        self.stages: list[Stage] = []
        self.current: tuple[str, int | None] | None = None

    def started(self, name: str, image: int | None = None) -> None:
        self.current = (name, image)

    def finished(self, stage: Stage) -> None:
        self.stages = [*self.stages, stage]  # a new list: readers on other threads never see it half-changed
        self.current = None

    def transcribed(self, transcript: TimedTranscript) -> None:
        pass

    def images_ready(self, drafts: list[Draft]) -> None:
        pass

    def captioned(self, index: int, draft: Draft) -> None:
        pass

    def saved(self, index: int, saved: SavedImage) -> None:
        pass

    @property
    def total_ms(self) -> float:
        return round(sum(stage.ms for stage in self.stages), 1)


@contextmanager
def timed_stage(timings: dict[str, float], stage: str, progress: Progress, image: int | None = None) -> Iterator[None]:
    """The one measurement of a stage: kept with the result and reported to `progress` when it succeeds."""
    progress.started(stage, image)
    started = time.perf_counter()
    yield
    timings[stage] = round((time.perf_counter() - started) * 1000, 1)
    progress.finished(Stage(stage, timings[stage], image))
