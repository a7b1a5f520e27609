"""Session state and stage runners for the Create page.

Streamlit reruns the page on every interaction; a button is True only in the run right after its
click, so each paid call or insert below runs once per click. Drafts live in session state until
saved, so an image survives any later failure (caption, storage, database).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import streamlit as st

from core.config import Settings
from core.pipeline import Draft, Pipeline, SavedImage, TimedTranscript
from core.ports import GenerationRequest
from ui.feedback import user_message
from ui.gate import current_creator

T = TypeVar("T")

PROMPT = "prompt"
PENDING_PROMPT = "_pending_prompt"
PREFILL_PROMPT = "prefill_prompt"  # set by History's "use this prompt again"
TRANSCRIPT = "_transcript"
DRAFTS = "_drafts"
SAVED = "_saved"  # idempotency key -> record id
LAST_RUN = "_last_run"


@dataclass(frozen=True)
class StageLine:
    label: str
    ms: float | None
    error: str | None = None


def drafts() -> list[Draft]:
    kept: list[Draft] = st.session_state.setdefault(DRAFTS, [])
    return kept


def saved_ids() -> dict[str, int]:
    saved: dict[str, int] = st.session_state.setdefault(SAVED, {})
    return saved


def transcript() -> TimedTranscript | None:
    return st.session_state.get(TRANSCRIPT)


def apply_pending_prompt() -> None:
    """Move a transcript or a History prefill into the prompt box; must run before the box is drawn."""
    for key in (PREFILL_PROMPT, PENDING_PROMPT):
        if key in st.session_state:
            st.session_state[PROMPT] = st.session_state.pop(key)
            if key == PREFILL_PROMPT:
                st.session_state.pop(TRANSCRIPT, None)


# Speech runs at about 15 characters a second (150 words a minute), which is how the limits compare.
SPOKEN_CHARS_PER_SECOND = 15


def prompt_length_notice(prompt: str, settings: Settings) -> bool:
    """Explain the prompt and audio limits; flag a prompt over its limit. True if it must be shortened."""
    length, limit = len(prompt.strip()), settings.max_prompt_chars
    if length > limit:
        st.warning(
            f"The prompt is {length} characters long; the limit is {limit}. Nothing has been cut: shorten it "
            "here before generating.",
            icon="✂️",
        )
    st.caption(
        f"{length}/{limit} characters, about {limit // SPOKEN_CHARS_PER_SECOND} s of speech. Recordings may last "
        f"up to {settings.max_audio_seconds:.0f} s ({settings.max_upload_mb} MB), so a long one may need "
        "shortening here."
    )
    return length > limit


class StageRunner:
    """Runs stages inside one st.status box, recording each stage's time and any failure."""

    def __init__(self, title: str, settings: Settings) -> None:
        self.status = st.status(title, expanded=True)
        self.lines: list[StageLine] = []
        self.secrets = settings.secret_values
        self.failed = False

    def stage(self, label: str, action: Callable[[], T]) -> T | None:
        if self.failed:
            return None
        self.status.update(label=f"{label}…", state="running")
        started = time.perf_counter()
        try:
            result = action()
        except Exception as exc:
            self._fail(label, user_message(exc, self.secrets))
            return None
        ms = (time.perf_counter() - started) * 1000
        self.lines.append(StageLine(label, ms))
        self.status.write(f"✅ {label} — {ms / 1000:.2f} s")
        return result

    def _fail(self, label: str, message: str) -> None:
        self.failed = True
        self.lines.append(StageLine(label, None, message))
        self.status.error(f"{label}: {message}")
        self.status.update(label=f"{label} failed", state="error", expanded=True)

    def finish(self, done_label: str) -> None:
        """Remember the outcome and rerun, so every widget above shows the new state."""
        if self.failed:
            label, state = next(f"{line.label} failed" for line in self.lines if line.error), "error"
        else:
            total = sum(line.ms or 0 for line in self.lines)
            label, state = f"{done_label} in {total / 1000:.1f} s", "complete"
        st.session_state[LAST_RUN] = (label, state, self.lines)
        st.rerun()


def render_last_run() -> None:
    """Show, once, how the last action went: each stage's time, or what to do about a failure."""
    if LAST_RUN not in st.session_state:
        return
    label, state, lines = st.session_state.pop(LAST_RUN)
    with st.status(label, state=state, expanded=state == "error"):
        for line in lines:
            if line.error:
                st.error(f"{line.label}: {line.error}")
            else:
                st.write(f"✅ {line.label} — {line.ms / 1000:.2f} s")


def transcribe(runner: StageRunner, pipeline: Pipeline, audio: bytes, filename: str | None) -> TimedTranscript | None:
    result = runner.stage("Transcribe", lambda: pipeline.transcribe(audio, filename=filename))
    if result is not None:
        st.session_state[TRANSCRIPT] = result
        st.session_state[PENDING_PROMPT] = result.transcript.text
    return result


def generate_and_caption(runner: StageRunner, pipeline: Pipeline, request: GenerationRequest) -> list[Draft]:
    """Generate, keep the drafts at once, then caption each (a caption failure keeps the image)."""
    made = runner.stage("Generate", lambda: pipeline.generate(request, transcript=_transcript_for(request)))
    if not made:
        return []
    st.session_state[DRAFTS] = list(made)
    for index in range(len(made)):
        caption_draft(runner, pipeline, index)
    return drafts()


def caption_draft(runner: StageRunner, pipeline: Pipeline, index: int) -> None:
    captioned = runner.stage(f"Caption image {index + 1}", lambda: pipeline.caption(drafts()[index]))
    if captioned is not None:
        drafts()[index] = captioned


def save_draft(runner: StageRunner, pipeline: Pipeline, index: int) -> SavedImage | None:
    result = runner.stage(
        f"Save image {index + 1}", lambda: pipeline.save(drafts()[index], created_by=current_creator())
    )
    if result is not None:
        saved_ids()[drafts()[index].idempotency_key] = result.record.id
    return result


def _transcript_for(request: GenerationRequest) -> TimedTranscript | None:
    """The latest transcript travels with the image, so History can show it beside the edited prompt."""
    return transcript() if request.prompt.strip() else None
