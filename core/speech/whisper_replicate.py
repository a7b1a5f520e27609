"""Whisper on Replicate (openai/whisper by default) behind core.domain.ports.Transcriber: no torch in this process.

The whole decoded recording goes up as one 16 kHz mono WAV file; Replicate's Whisper answers with the plain
text and the language it detected.
"""

from __future__ import annotations

import io
import re
from typing import Any

from core.domain.errors import RemoteModelError
from core.domain.languages import language_code
from core.domain.ports import AudioClip, Transcript
from core.replicate.client import ReplicateModel
from core.replicate.task import FileInput, ModelTask

DEFAULT_MODEL = "openai/whisper"
SPEECH_TASK = ModelTask(
    setting="REPLICATE_SPEECH_MODEL",
    product="the transcript",
    action="transcribe speech",
    error=RemoteModelError,
)


class ReplicateTranscriber:
    """Transcribes with a Whisper model on Replicate, run by its latest version unless one is pinned."""

    def __init__(self, model: ReplicateModel) -> None:
        self._model = model
        self.model_id = model.model_id

    def transcribe(self, clip: AudioClip, *, language: str | None = None) -> Transcript:
        model_input: dict[str, object] = {
            "audio": FileInput(data=wav_bytes(clip), filename="speech.wav", content_type="audio/wav"),
            "transcription": "plain text",
        }
        if language is not None:  # openai/whisper takes a code ("de"); left out, it detects ("auto")
            model_input["language"] = language
        output = self._model.run(model_input)
        text, heard = self._read(output)
        return Transcript(text=text, language=language or heard, duration_s=clip.duration_s)

    def check(self) -> str:
        return self._model.check()

    def _read(self, output: Any) -> tuple[str, str | None]:
        if not isinstance(output, dict) or not isinstance(output.get("transcription"), str):
            raise RemoteModelError(
                f"{self.model_id} did not answer with a transcription: set REPLICATE_SPEECH_MODEL to a Whisper "
                f"model such as {DEFAULT_MODEL}."
            )
        # Replicate's Whisper names the language ("german"); the local engines and the records use codes ("de").
        language = output.get("detected_language")
        code = language_code(language) if isinstance(language, str) else None
        return re.sub(r"\s+", " ", output["transcription"]).strip(), code


def wav_bytes(clip: AudioClip) -> bytes:
    """The clip as a 16-bit PCM WAV file: lossless for speech, and a third the size of float32."""
    import soundfile

    buffer = io.BytesIO()
    soundfile.write(buffer, clip.samples, clip.sample_rate, format="WAV", subtype="PCM_16")
    return buffer.getvalue()
