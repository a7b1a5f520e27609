"""Create's session state in one place: every key a named constant, every value read through a typed accessor.

Streamlit keeps a session's values in `st.session_state`, a dict of `str` to anything, shared by every page.
The Create modules reach their part of it only through this module: the widget keys below (the page draws
the widgets with them, tests find them by them) and `CREATE`, which types what is kept between reruns.
History hands settings over through `ui.create.handover`, never by writing these keys itself.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from core.app.runs import CreateRun
from core.domain.drafts import TimedTranscript
from core.domain.ports import ASPECT_RATIOS, MEGAPIXELS, OUTPUT_FORMATS
from core.domain.progress import StageLog
from core.domain.prompt_rewrites import Rewrite
from ui.session_values import keep_or_forget, kept

# ---- widget keys (drawn on pages/create.py) ---------------------------------------------------------------
PROMPT = "prompt"
RECORDING = "rec"
LIVE_RECORDER = "live_rec"  # the live recorder (ui/recorder), where app.py serves /listen
UPLOAD = "upload"
AUTO_TRANSCRIBE = "auto_transcribe"
SPOKEN_LANGUAGE = "spoken_language"  # a Whisper code the person chose, or AUTO_LANGUAGE (detect it)
AUTO_LANGUAGE = "auto"  # a value, not None: a selectbox shows None as "Choose an option"
TRANSCRIBE_BUTTON = "transcribe"
GENERATE_BUTTON = "generate"
RUN_ALL_BUTTON = "run_all"
ASPECT_RATIO = "aspect_ratio"
NUM_OUTPUTS = "num_outputs"
SEED = "seed"
OUTPUT_FORMAT = "output_format"
OUTPUT_QUALITY = "output_quality"
MEGAPIXELS_KEY = "megapixels"
GO_FAST = "go_fast"
COMPARE_PICK = "create_compare_pick"
EDIT_PANEL = "create_edit"  # the change panel's key (ui.change_image): its widgets' keys start with it
OPTION_DEFAULTS: dict[str, Any] = {
    ASPECT_RATIO: ASPECT_RATIOS[0],
    NUM_OUTPUTS: 1,
    SEED: None,
    OUTPUT_FORMAT: OUTPUT_FORMATS[0],
    OUTPUT_QUALITY: 80,
    MEGAPIXELS_KEY: MEGAPIXELS[0],
    GO_FAST: True,
}

# ---- what the page keeps between reruns (no widget draws these) ----------------------------------------
STREAMED = "_streamed_recording"  # the live recorder's last finished recording, an UploadedFile like RECORDING's
TRANSCRIPT = "_transcript"
TRANSCRIBED_AUDIO = "_transcribed_audio"  # fingerprint of the audio the transcript came from
DERIVED = "_derived_from_transcript"  # translations and improvements of the transcript's words (a list of str)
ACTIVE_INPUT = "_active_input"
AUTO_PENDING = "_auto_transcribe_pending"
LAST_TRANSCRIPTION = "_last_transcription"
RUNS = "_runs"  # the runs shown under Results, newest first
SEND_NEW_RUN_S = 5.0  # how long after a run ended Results still send it as the one to scroll to
NEW_RUN = "_new_run"  # (id, time it ended or None) of the run to scroll to, while Results still send it: studio.py
MADE = "_runs_made"  # every run of the session, oldest first, for compare (a saved run leaves RUNS)
RUN_AUDIO = "_run_audio_fingerprint"  # (run id, fingerprint) of audio a run transcribes itself
DISMISSED = "_dismissed_failures"  # ids of runs whose failure notice the person closed
DISCARDED = "_discarded"  # (run id, draft index) of results the person discarded
PROBLEMS = "_draft_problems"  # (run id, draft index) -> what went wrong with that card's last action
NOTICE = "_notice"
UNDO = "_prompt_undo"  # the last translation or improvement of the prompt box (a Rewrite), for its Undo button
EDIT_TARGET = "_create_edit_target"  # the change panel's source: an EditTarget


@dataclass(frozen=True)
class Transcription:
    """How the last transcription went: the stages the pipeline measured, or what stopped it."""

    stages: StageLog
    error: str | None = None


@dataclass(frozen=True)
class EditTarget:
    """The source of Create's change panel: a result of a run (saved or not) or a saved record."""

    run_id: str | None = None
    index: int = 0
    record_id: int | None = None

    @staticmethod
    def result(run_id: str, index: int) -> EditTarget:
        return EditTarget(run_id=run_id, index=index)

    @staticmethod
    def record(record_id: int) -> EditTarget:
        return EditTarget(record_id=record_id)


class CreateState:
    """Typed access to Create's values in `st.session_state`; it holds nothing itself, so one instance serves all."""

    @property
    def runs(self) -> list[CreateRun]:
        return kept(RUNS, list)

    @runs.setter
    def runs(self, shown: list[CreateRun]) -> None:
        st.session_state[RUNS] = shown

    @property
    def made(self) -> list[CreateRun]:  # every run of the session, oldest first, shown under Results or not
        return kept(MADE, list)

    def add_run(self, run: CreateRun, *, keep: list[CreateRun]) -> None:
        """A new run on top of Results, over the earlier runs in `keep`; the session remembers it for compare."""
        self.runs = [run, *keep]
        self.made.append(run)
        st.session_state[NEW_RUN] = (run.id, None)

    def is_new_run(self, run: CreateRun) -> bool:
        """Whether Results still send `run` as the one to scroll to, from its start until SEND_NEW_RUN_S after it
        ended (the browser scrolls once). Sent in one draw only, it was lost when the next draw came first."""
        run_id, ended = st.session_state.get(NEW_RUN, (None, None))
        if run_id != run.id:
            return False
        now = time.monotonic()
        if ended is None and run.done:
            st.session_state[NEW_RUN] = (run_id, now)
        elif ended is not None and now - ended > SEND_NEW_RUN_S:
            del st.session_state[NEW_RUN]
            return False
        return True

    @property
    def discarded(self) -> set[tuple[str, int]]:
        return kept(DISCARDED, set)

    @property
    def dismissed(self) -> set[str]:
        return kept(DISMISSED, set)

    @property
    def problems(self) -> dict[tuple[str, int], str]:
        return kept(PROBLEMS, dict)

    def tell(self, notice: str) -> None:
        """A notice for the next draw of Results (a refused click, nothing to draw)."""
        st.session_state[NOTICE] = notice

    def take_notice(self) -> str | None:
        notice: str | None = st.session_state.pop(NOTICE, None)
        return notice

    @property
    def edit_target(self) -> EditTarget | None:
        target: EditTarget | None = st.session_state.get(EDIT_TARGET)
        return target

    @edit_target.setter
    def edit_target(self, target: EditTarget | None) -> None:
        keep_or_forget(EDIT_TARGET, target)

    def find_run(self, run_id: str) -> CreateRun | None:
        return next((run for run in self.made if run.id == run_id), None)

    @property
    def run_audio(self) -> tuple[str, str] | None:
        """(run id, fingerprint) of audio a run transcribes itself, until its words are in the prompt box."""
        handed: tuple[str, str] | None = st.session_state.get(RUN_AUDIO)
        return handed

    @run_audio.setter
    def run_audio(self, handed: tuple[str, str] | None) -> None:
        keep_or_forget(RUN_AUDIO, handed)

    # ---- the prompt box and the spoken input behind it ---------------------------------------------------
    @property
    def prompt(self) -> str:
        typed: str = st.session_state.get(PROMPT) or ""
        return typed

    @prompt.setter
    def prompt(self, text: str) -> None:
        """Allowed only before the prompt box is drawn in this run (Streamlit refuses it after)."""
        st.session_state[PROMPT] = text

    @property
    def undo(self) -> Rewrite | None:
        """The last translation or improvement of the prompt box, for its Undo button."""
        rewrite: Rewrite | None = st.session_state.get(UNDO)
        return rewrite

    @undo.setter
    def undo(self, rewrite: Rewrite | None) -> None:
        keep_or_forget(UNDO, rewrite)

    @property
    def spoken_language(self) -> str | None:
        """The language the person said they speak (a Whisper code), or None to let Whisper detect it."""
        chosen = st.session_state.get(SPOKEN_LANGUAGE)
        return chosen if isinstance(chosen, str) and chosen != AUTO_LANGUAGE else None

    @property
    def auto_transcribe(self) -> bool:
        return bool(st.session_state.get(AUTO_TRANSCRIBE, True))

    def audio_in(self, key: str) -> UploadedFile | None:
        """The audio an input holds (RECORDING, UPLOAD or STREAMED), if any."""
        audio = st.session_state.get(key)
        return audio if isinstance(audio, UploadedFile) else None

    def holds_input(self, key: str) -> bool:
        """Whether an input widget (RECORDING or UPLOAD) holds anything, as its on_change sees it."""
        return st.session_state.get(key) is not None

    @property
    def active_input(self) -> str | None:
        """The key of the input in use: RECORDING, UPLOAD or STREAMED (the live recorder's last recording)."""
        key: str | None = st.session_state.get(ACTIVE_INPUT)
        return key

    @active_input.setter
    def active_input(self, key: str | None) -> None:
        st.session_state[ACTIVE_INPUT] = key

    def take_stream(self, audio: UploadedFile) -> None:
        """The live recorder's finished recording becomes the input in use."""
        st.session_state[STREAMED] = audio
        self.active_input = STREAMED

    @property
    def auto_pending(self) -> bool:
        return bool(st.session_state.get(AUTO_PENDING, False))

    @auto_pending.setter
    def auto_pending(self, pending: bool) -> None:
        st.session_state[AUTO_PENDING] = pending

    def take_auto_pending(self) -> bool:
        """Whether audio that just arrived waits to be transcribed; asked once (it is forgotten)."""
        return bool(st.session_state.pop(AUTO_PENDING, False))

    @property
    def transcript(self) -> TimedTranscript | None:
        """The words of the last recording or upload transcribed, with their language and timings."""
        spoken: TimedTranscript | None = st.session_state.get(TRANSCRIPT)
        return spoken

    @transcript.setter
    def transcript(self, spoken: TimedTranscript | None) -> None:
        keep_or_forget(TRANSCRIPT, spoken)

    @property
    def transcribed_audio(self) -> str | None:
        """The fingerprint of the audio the transcript came from."""
        fingerprint: str | None = st.session_state.get(TRANSCRIBED_AUDIO)
        return fingerprint

    @transcribed_audio.setter
    def transcribed_audio(self, fingerprint: str) -> None:
        st.session_state[TRANSCRIBED_AUDIO] = fingerprint

    @property
    def derived(self) -> list[str]:
        """Translations and improvements of the transcript's words: a prompt that is one of them still comes from it."""
        return list(st.session_state.get(DERIVED, []))

    @derived.setter
    def derived(self, prompts: list[str]) -> None:
        st.session_state[DERIVED] = list(prompts)

    @property
    def last_transcription(self) -> Transcription | None:
        last: Transcription | None = st.session_state.get(LAST_TRANSCRIPTION)
        return last

    @last_transcription.setter
    def last_transcription(self, last: Transcription | None) -> None:
        keep_or_forget(LAST_TRANSCRIPTION, last)


CREATE = CreateState()
