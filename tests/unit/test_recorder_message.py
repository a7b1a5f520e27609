"""The live recorder's final message, as it arrives from a browser, becomes a recording the Create page can use."""

from __future__ import annotations

import base64
import io
import wave

import numpy as np

from ui.recorder import streamed_recording


def wav_of(seconds: float) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(16_000)
        file.writeframes(np.zeros(int(seconds * 16_000), "<i2").tobytes())
    return out.getvalue()


def message(**changes: object) -> dict[str, object]:
    final = {"type": "final", "text": " A red house ", "language": "en", "model_id": "base",
             "audio_wav_b64": base64.b64encode(wav_of(2.5)).decode(), "stop_to_final_ms": 120}  # fmt: skip
    return final | changes


def test_a_final_message_becomes_a_wav_recording_with_its_words_language_and_wait() -> None:
    recording = streamed_recording(message())

    assert recording is not None
    assert recording.audio.type == "audio/wav" and recording.audio.getvalue() == wav_of(2.5)
    timed = recording.timed()
    assert timed.transcript.text == "A red house" and timed.transcript.language == "en"
    assert timed.transcript.duration_s == 2.5 and timed.model_id == "base" and timed.ms == 120


def test_the_same_audio_gets_the_same_name_so_the_page_knows_it_was_transcribed() -> None:
    first, second = streamed_recording(message()), streamed_recording(message(text="other"))

    assert first is not None and second is not None and first.audio.name == second.audio.name


def test_anything_malformed_from_the_browser_is_ignored() -> None:
    junk = base64.b64encode(b"RIFF junk").decode()
    broken_messages = [None, "text", {}, message(text=3), message(audio_wav_b64="not base64!"),
                       message(audio_wav_b64=""), message(audio_wav_b64=junk)]  # fmt: skip
    for broken in broken_messages:
        assert streamed_recording(broken) is None, broken


def test_a_missing_language_or_wait_is_not_invented() -> None:
    recording = streamed_recording(message(language=7, stop_to_final_ms="soon"))

    assert recording is not None and recording.language is None and recording.stop_to_final_ms == 0.0
