"""The live recorder: words on screen while the person speaks, the prompt ready when they stop.

A Streamlit components v2 element (no iframe, inline JS and CSS from this folder, no build step) that
streams the microphone as 16 kHz PCM to app.py's `/listen` route (web/listen.py) and hands the page the
final text, its language and the audio once, as a trigger value. Where streaming cannot work the page
shows Streamlit's own `st.audio_input` instead, chosen by `live_words_available`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit.proto.Common_pb2 import FileURLs
from streamlit.runtime.uploaded_file_manager import UploadedFile, UploadedFileRec

from core.app.process import pages_behind_http_gate
from core.config.settings import Settings
from core.domain.drafts import TimedTranscript
from core.domain.ports import Transcript

LISTEN_PATH = "/listen"  # web/listen.py's route
_HERE = Path(__file__).resolve().parent
_HTML = (
    '<div class="recorder"><label><span class="label"></span></label>'
    '<button type="button" aria-label="Record">Record</button>'
    '<p class="words" aria-live="polite"><span class="confirmed"></span><span class="tentative"></span></p>'
    '<p class="status" role="status"></p></div>'
)
_component = st.components.v2.component(
    "speak_image_live_recorder",
    html=_HTML,
    css=(_HERE / "recorder.css").read_text(encoding="utf-8"),
    js=(_HERE / "recorder.js").read_text(encoding="utf-8"),
)


@dataclass(frozen=True)
class StreamedRecording:
    """What the recorder hands over at Stop: the words as heard, their language and the whole recording."""

    text: str
    language: str | None
    model_id: str
    stop_to_final_ms: float
    duration_s: float
    audio: UploadedFile  # a WAV, 16 kHz mono, shaped like a finished st.audio_input recording

    def timed(self) -> TimedTranscript:
        """As a finished recording's transcription: the words, their language, the model, the wait after Stop."""
        spoken = Transcript(text=self.text, language=self.language, duration_s=self.duration_s)
        return TimedTranscript(spoken, self.model_id, self.stop_to_final_ms)


def live_words_available(settings: Settings, key: str) -> bool:
    """Whether to show the live recorder rather than `st.audio_input`.

    Only app.py serves `/listen` (`streamlit run Home.py` does not: the pages then know they are not behind
    its gate); only faster-whisper decodes a stream; LISTEN_MAX_STREAMS=0 turns it off; and a browser
    without AudioWorklet, WebSocket or getUserMedia says so once (the component's `unsupported` state).
    """
    if not pages_behind_http_gate() or settings.speech_engine != "faster-whisper" or settings.listen_max_streams < 1:
        return False
    state = st.session_state.get(key)
    return not (isinstance(state, dict) and state.get("unsupported"))


def live_recorder(label: str, *, key: str) -> StreamedRecording | None:
    """Draw the recorder; the finished recording in the run right after Stop, else None.

    A problem (the microphone refused, the server full) is shown by the recorder itself, in words."""
    result = _component(key=key, data={"label": label, "path": LISTEN_PATH}, on_final_change=_ignore,
                        on_error_change=_ignore, on_unsupported_change=_ignore)  # fmt: skip
    return streamed_recording(result.get("final"))


def streamed_recording(final: Any) -> StreamedRecording | None:
    """The recorder's final message as a recording; None for anything malformed (it comes from a browser)."""
    if not isinstance(final, dict) or not isinstance(final.get("text"), str):
        return None
    try:
        wav = base64.b64decode(str(final.get("audio_wav_b64", "")), validate=True)
    except (binascii.Error, ValueError):
        return None
    if not wav:
        return None
    language = final.get("language")
    name = f"recording-{hashlib.sha256(wav).hexdigest()[:12]}.wav"
    audio = UploadedFile(UploadedFileRec(file_id=name, name=name, type="audio/wav", data=wav), FileURLs(file_id=name))
    try:
        with wave.open(io.BytesIO(wav)) as file:
            duration_s = file.getnframes() / file.getframerate()
    except (wave.Error, EOFError, ZeroDivisionError):
        return None
    ms = final.get("stop_to_final_ms")
    return StreamedRecording(
        text=final["text"].strip(),
        language=language if isinstance(language, str) else None,
        model_id=str(final.get("model_id") or "whisper"),
        stop_to_final_ms=float(ms) if isinstance(ms, int | float) else 0.0,
        duration_s=duration_s,
        audio=audio,
    )


def _ignore() -> None:
    """Streamlit reruns on a trigger only when the value has a callback; the page reads it from the result."""
