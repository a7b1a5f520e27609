"""Create's spoken input: which input is in use (recording, live recording, upload), its transcript, and
whether the prompt box still comes from it (the transcript is saved with an image only while it does)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from core.app.pipeline import Pipeline, TimedTranscript
from core.config.settings import Settings
from core.domain.progress import StageLog
from core.domain.provenance import comes_from_recording
from ui.create.state import (
    ACTIVE_INPUT,
    AUTO_LANGUAGE,
    AUTO_PENDING,
    AUTO_TRANSCRIBE,
    DERIVED,
    LAST_TRANSCRIPTION,
    PROMPT,
    RECORDING,
    SPOKEN_LANGUAGE,
    STREAMED,
    TRANSCRIBED_AUDIO,
    TRANSCRIPT,
    UPLOAD,
)
from ui.model_status import model_failure_message
from ui.outside_text import escape_markdown
from ui.recorder import StreamedRecording


@dataclass(frozen=True)
class Transcription:
    """How the last transcription went: the stages the pipeline measured, or what stopped it."""

    stages: StageLog
    error: str | None = None


def input_changed(key: str) -> None:
    """A recording or upload arrived or was removed: the most recent input is the one in use."""
    other = UPLOAD if key == RECORDING else RECORDING
    if st.session_state.get(key) is not None:
        st.session_state[ACTIVE_INPUT] = key
        st.session_state[AUTO_PENDING] = key == UPLOAD or bool(st.session_state.get(AUTO_TRANSCRIBE, True))
    elif st.session_state.get(ACTIVE_INPUT) == key:
        st.session_state[ACTIVE_INPUT] = other if st.session_state.get(other) is not None else None
        st.session_state[AUTO_PENDING] = False


def take_streamed(recording: StreamedRecording) -> None:
    """A live recording finished: it is the input in use, and its words (heard while speaking) fill the prompt."""
    st.session_state[STREAMED] = recording.audio
    st.session_state[ACTIVE_INPUT] = STREAMED
    st.session_state[AUTO_PENDING] = False
    if not recording.text:
        no_words = "No speech was recognised. Speak closer to the microphone and record again."
        st.session_state[LAST_TRANSCRIPTION] = Transcription(StageLog(), no_words)
        return
    st.session_state[LAST_TRANSCRIPTION] = Transcription(StageLog())
    remember_transcript(recording.timed(), fingerprint(recording.audio))


def active_audio() -> UploadedFile | None:
    key = st.session_state.get(ACTIVE_INPUT)
    audio = st.session_state.get(key) if key else None
    return audio if isinstance(audio, UploadedFile) else None


def fingerprint(audio: UploadedFile) -> str:
    return hashlib.sha256(audio.getvalue()).hexdigest()


def untranscribed_audio() -> UploadedFile | None:
    """The input in use, if it is audio whose words are not in the prompt box yet (it then wins over the box)."""
    audio = active_audio()
    if audio is None or st.session_state.get(TRANSCRIBED_AUDIO) == fingerprint(audio):
        return None
    return audio


def input_in_use() -> str:
    """One sentence saying which input Generate and Do it all will use."""
    audio = active_audio()
    typed = (st.session_state.get(PROMPT) or "").strip()
    if audio is not None:
        recorded = st.session_state.get(ACTIVE_INPUT) in (RECORDING, STREAMED)
        name = "the recording" if recorded else f"the upload {escape_markdown(audio.name)}"
        if untranscribed_audio() is not None:
            return (
                f"In use: {name}, not transcribed yet. Generate and Do it all transcribe it first, "
                "and its words replace the prompt."
            )
        if recording_behind_prompt() is not None:
            return (
                f"In use: the prompt below, transcribed from {name}; it is saved with the transcript. Edit it "
                "freely; a new recording or upload replaces it."
            )
        if typed:
            return (
                f"In use: the prompt you typed. It no longer comes from {name}, so it is saved without its transcript."
            )
    if typed:
        return "In use: the prompt you typed."
    return "Record or upload a description, or type a prompt."


def take_auto_transcription() -> UploadedFile | None:
    """The audio to transcribe now because it just arrived (a finished recording, an upload), once."""
    if st.session_state.pop(AUTO_PENDING, False):
        return untranscribed_audio()
    return None


def transcribe(pipeline: Pipeline, settings: Settings, audio: UploadedFile) -> None:
    """Transcribe now, in this run, and put the words in the prompt box (which must not be drawn yet)."""
    stages = StageLog()
    with st.status("Transcribing…", expanded=False) as box:
        try:
            spoken = pipeline.transcribe(
                audio.getvalue(), filename=audio.name, progress=stages, language=chosen_language()
            )
        except Exception as exc:
            failure = model_failure_message(exc, settings.secret_values)  # a model that cannot load: the way out
            st.session_state[LAST_TRANSCRIPTION] = Transcription(stages, failure)
            box.update(label="Transcription failed", state="error")
            return
        box.update(label="Transcribed", state="complete")
    st.session_state[LAST_TRANSCRIPTION] = Transcription(stages)
    remember_transcript(spoken, fingerprint(audio))


def chosen_language() -> str | None:
    """The language the person said they speak (a Whisper code), or None to let Whisper detect it."""
    chosen = st.session_state.get(SPOKEN_LANGUAGE)
    return chosen if isinstance(chosen, str) and chosen != AUTO_LANGUAGE else None


def remember_transcript(spoken: TimedTranscript, audio_fingerprint: str) -> None:
    st.session_state[TRANSCRIPT] = spoken
    st.session_state[TRANSCRIBED_AUDIO] = audio_fingerprint
    st.session_state[PROMPT] = spoken.transcript.text
    st.session_state[DERIVED] = []


def transcript() -> TimedTranscript | None:
    return st.session_state.get(TRANSCRIPT)


def note_rewrite(before: str, after: str) -> None:
    """A translation or improvement of a prompt that came from the recording still comes from it."""
    if recording_behind(before) is not None:
        st.session_state[DERIVED] = [*st.session_state.get(DERIVED, []), after]


def recording_behind(prompt: str) -> TimedTranscript | None:
    """The transcript a prompt still comes from (as spoken, edited, translated, improved); None once replaced."""
    spoken = transcript()
    if spoken is None:
        return None
    sources = [spoken.transcript.text, *st.session_state.get(DERIVED, [])]
    return spoken if comes_from_recording(prompt, sources) else None


def recording_behind_prompt() -> TimedTranscript | None:
    return recording_behind(st.session_state.get(PROMPT) or "")


def last_transcription() -> Transcription | None:
    last: Transcription | None = st.session_state.get(LAST_TRANSCRIPTION)
    return last


def dismiss_transcription_failure() -> None:
    st.session_state.pop(LAST_TRANSCRIPTION, None)
