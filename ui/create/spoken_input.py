"""Create's spoken input: which input is in use (recording, live recording, upload), its transcript, and
whether the prompt box still comes from it (the transcript is saved with an image only while it does)."""

from __future__ import annotations

import hashlib

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from core.app.pipeline import Pipeline, TimedTranscript
from core.config.settings import Settings
from core.domain.progress import StageLog
from core.domain.provenance import comes_from_recording
from ui.create.state import CREATE, RECORDING, STREAMED, UPLOAD, Transcription
from ui.model_status import model_failure_message
from ui.outside_text import escape_markdown
from ui.recorder import StreamedRecording


def input_changed(key: str) -> None:
    """A recording or upload arrived or was removed: the most recent input is the one in use."""
    other = UPLOAD if key == RECORDING else RECORDING
    if CREATE.holds_input(key):
        CREATE.active_input = key
        CREATE.auto_pending = key == UPLOAD or CREATE.auto_transcribe
    elif CREATE.active_input == key:
        CREATE.active_input = other if CREATE.holds_input(other) else None
        CREATE.auto_pending = False


def take_streamed(recording: StreamedRecording) -> None:
    """A live recording finished: it is the input in use, and its words (heard while speaking) fill the prompt."""
    CREATE.take_stream(recording.audio)
    CREATE.auto_pending = False
    if not recording.text:
        no_words = "No speech was recognised. Speak closer to the microphone and record again."
        CREATE.last_transcription = Transcription(StageLog(), no_words)
        return
    CREATE.last_transcription = Transcription(StageLog())
    remember_transcript(recording.timed(), fingerprint(recording.audio))


def active_audio() -> UploadedFile | None:
    key = CREATE.active_input
    return CREATE.audio_in(key) if key else None


def fingerprint(audio: UploadedFile) -> str:
    return hashlib.sha256(audio.getvalue()).hexdigest()


def untranscribed_audio() -> UploadedFile | None:
    """The input in use, if it is audio whose words are not in the prompt box yet (it then wins over the box)."""
    audio = active_audio()
    if audio is None or CREATE.transcribed_audio == fingerprint(audio):
        return None
    return audio


def input_in_use() -> str:
    """One sentence saying which input Generate and Do it all will use."""
    audio = active_audio()
    typed = CREATE.prompt.strip()
    if audio is not None:
        recorded = CREATE.active_input in (RECORDING, STREAMED)
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
    if CREATE.take_auto_pending():
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
            CREATE.last_transcription = Transcription(stages, failure)
            box.update(label="Transcription failed", state="error")
            return
        box.update(label="Transcribed", state="complete")
    CREATE.last_transcription = Transcription(stages)
    remember_transcript(spoken, fingerprint(audio))


def chosen_language() -> str | None:
    """The language the person said they speak (a Whisper code), or None to let Whisper detect it."""
    return CREATE.spoken_language


def remember_transcript(spoken: TimedTranscript, audio_fingerprint: str) -> None:
    CREATE.transcript = spoken
    CREATE.transcribed_audio = audio_fingerprint
    CREATE.prompt = spoken.transcript.text
    CREATE.derived = []


def transcript() -> TimedTranscript | None:
    return CREATE.transcript


def note_rewrite(before: str, after: str) -> None:
    """A translation or improvement of a prompt that came from the recording still comes from it."""
    if recording_behind(before) is not None:
        CREATE.derived = [*CREATE.derived, after]


def recording_behind(prompt: str) -> TimedTranscript | None:
    """The transcript a prompt still comes from (as spoken, edited, translated, improved); None once replaced."""
    spoken = transcript()
    if spoken is None:
        return None
    sources = [spoken.transcript.text, *CREATE.derived]
    return spoken if comes_from_recording(prompt, sources) else None


def recording_behind_prompt() -> TimedTranscript | None:
    return recording_behind(CREATE.prompt)


def last_transcription() -> Transcription | None:
    return CREATE.last_transcription


def dismiss_transcription_failure() -> None:
    CREATE.last_transcription = None
