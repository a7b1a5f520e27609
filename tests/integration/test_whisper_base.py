"""Real multilingual whisper-base (faster-whisper, the default engine) on the German, Spanish and French clips.

Measured (2 cores, beam 5, int8): one run of faster-whisper detected de, de, es, es, fr and Thai; two later runs
(`make bench`, bench/bench_prompts.py) de, de, es, es, then German for the boat clip and Thai with no words for the
forest clip. The transformers rebuild: de, de, es, es, de, th, looping one Thai word to the token limit. Only the
first German clip comes back word for word. So German and Spanish are asserted; French is not heard right.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.speech.audio import decode_audio
from core.speech.whisper import load_transcriber
from tests.fixtures.models import multilingual_clips

HEARD_RIGHT = ("de", "es")


@pytest.fixture(scope="module")
def base_transcriber(whisper_base_ct2_dir: Path):
    return load_transcriber(engine="faster-whisper", model=str(whisper_base_ct2_dir), threads=2)


@pytest.mark.parametrize(
    "clip", [c for c in multilingual_clips() if c["language"] in HEARD_RIGHT], ids=lambda c: c["file"]
)
def test_whisper_base_detects_german_and_spanish_and_keeps_the_words_as_spoken(base_transcriber, clip) -> None:
    transcript = base_transcriber.transcribe(decode_audio(clip["path"].read_bytes(), filename=clip["file"]))
    assert transcript.language == clip["language"]
    # The original words, not an English translation: the clip's first word survives (Ein, Un).
    assert transcript.text.split()[0].lower() == clip["text"].split()[0].lower()
