"""A streaming session on real Whisper weights (faster-whisper, the default engine) and the committed clips."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.domain.ports import AudioClip
from core.speech.audio import decode_audio
from core.speech.one_window import Look
from core.speech.streaming import StreamingSession
from core.speech.voice_activity import SileroDetector, default_detector
from core.speech.whisper import load_transcriber
from tests.fixtures.models import AUDIO_DIR, multilingual_clips, speech_clips, word_error_rate

CLIPS = {clip["file"]: clip for clip in speech_clips()}
CHUNK_S = 0.5


def pcm_of(path: Path, trailing_silence_s: float = 0.0) -> bytes:
    samples = decode_audio(path.read_bytes(), filename=path.name).samples
    samples = np.concatenate([samples, np.zeros(int(trailing_silence_s * 16_000), np.float32)])
    return (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()


def stream(session: StreamingSession, pcm: bytes) -> list[str]:
    """Feed half a second at a time, decoding after each, as the /listen route does; the partial texts seen."""
    seen = []
    step = int(CHUNK_S * 16_000) * 2
    for start in range(0, len(pcm), step):
        session.feed(pcm[start : start + step])
        if session.has_new_audio() and (partial := session.step()) is not None:
            seen.append(f"{partial.confirmed} | {partial.tentative}")
    return seen


@pytest.fixture(scope="module")
def tiny_en(real_whisper_ct2_dir: Path):
    return load_transcriber(engine="faster-whisper", model=str(real_whisper_ct2_dir), device="cpu", threads=2)


def test_words_are_heard_before_stop_and_the_final_text_needs_no_decode_after_trailing_silence(tiny_en) -> None:
    clip = CLIPS["house_16k_mono.wav"]
    session = StreamingSession(tiny_en, max_seconds=30, detector=default_detector())

    seen = stream(session, pcm_of(clip["path"], trailing_silence_s=1.0))
    final = session.finish()

    assert any("house" in text.lower() for text in seen), seen
    assert word_error_rate(clip["text"], final.text) <= 0.2, final.text
    assert final.decoded_at_stop, "the tail was decoded before Stop, so Stop costs no decode"
    assert final.language == "en"


def test_stop_in_mid_sentence_decodes_the_tail(tiny_en) -> None:
    clip = CLIPS["sea.flac"]
    session = StreamingSession(tiny_en, max_seconds=30, detector=default_detector())
    pcm = pcm_of(clip["path"])
    session.feed(pcm[: len(pcm) // 2])
    session.step()
    session.feed(pcm[len(pcm) // 2 :])

    final = session.finish()

    assert not final.decoded_at_stop
    assert word_error_rate(clip["text"], final.text) <= 0.2, final.text


@pytest.mark.slow  # whisper-base, the default size: a decode costs about a second on 2 cores
def test_whisper_base_fixes_german_once_and_keeps_the_german_words(whisper_base_ct2_dir: Path) -> None:
    base = load_transcriber(engine="faster-whisper", model=str(whisper_base_ct2_dir), device="cpu", threads=2)
    clip = next(c for c in multilingual_clips() if c["language"] == "de")
    session = StreamingSession(base, max_seconds=30, detector=default_detector())

    stream(session, pcm_of(clip["path"], trailing_silence_s=0.6))
    final = session.finish()

    assert final.language == "de"
    assert final.text.split()[0].lower() == clip["text"].split()[0].lower()


@pytest.mark.parametrize("name", ["house_16k_mono.wav", "sea.flac", "coffee.ogg"])
def test_the_full_decode_of_a_stream_is_the_text_a_whole_clip_transcription_gives(tiny_en, name: str) -> None:
    clip = CLIPS[name]
    samples = decode_audio(clip["path"].read_bytes(), filename=clip["path"].name).samples

    streamed = tiny_en.decode(samples, language=None, look=Look.FULL)

    assert streamed.text == tiny_en.transcribe(AudioClip(samples=samples)).text
    assert streamed.language == "en"


@pytest.mark.slow
def test_detecting_the_language_costs_no_second_encoder_pass_and_agrees_with_the_whole_clip(
    whisper_base_ct2_dir: Path,
) -> None:
    base = load_transcriber(engine="faster-whisper", model=str(whisper_base_ct2_dir), device="cpu", threads=2)
    clip = next(c for c in multilingual_clips() if c["language"] == "de")
    samples = decode_audio(clip["path"].read_bytes(), filename=clip["path"].name).samples
    whole = base.transcribe(AudioClip(samples=samples))
    encode = base._model.encode
    passes: list[int] = []

    def counted(features: np.ndarray) -> object:
        passes.append(features.shape[-1])
        return encode(features)

    base._model.encode = counted
    streamed = base.decode(samples, language=None, look=Look.FULL)
    glimpse = base.decode(samples, language=None, look=Look.QUICK)

    assert passes == [3000, 1000]  # one 30 s pass for the prompt, one 10 s pass for a glimpse
    assert (streamed.text, streamed.language) == (whole.text, whole.language) == (streamed.text, "de")
    assert glimpse.language == "de"


def test_silero_places_the_end_of_speech_where_the_silence_begins_so_the_pause_is_heard_without_delay() -> None:
    for name in ("house_16k_mono.wav", "es_cat_16k.wav", "fr_forest_16k.wav"):
        samples = decode_audio((AUDIO_DIR / name).read_bytes(), filename=name).samples
        last_loud = int(np.nonzero(np.abs(samples) > 0.02)[0][-1])
        with_silence = np.concatenate([samples, np.zeros(int(0.3 * 16_000), np.float32)])

        ends_at = SileroDetector().speech_ends_at(with_silence)

        # The word's quiet tail is 30-60 ms; a padded end (100 ms more) delayed every pause's decode by as much.
        assert ends_at is not None and 0 <= (ends_at - last_loud) / 16_000 < 0.09, (name, ends_at - last_loud)
