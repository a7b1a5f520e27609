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

# Every test here decodes with the default-size model (about a second a clip on 2 cores): `make test` runs them,
# `make test-fast` does not. The fast loop keeps the translation flow on the same weights (test_create_prompt_tools).
pytestmark = pytest.mark.slow

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


@pytest.mark.parametrize("clip", multilingual_clips(), ids=lambda c: c["file"])
def test_every_clip_is_kept_as_heard_with_its_detected_language_and_only_other_languages_are_translated(
    base_transcriber, clip, fake_replicate, tmp_path
) -> None:
    from core.app.prompt_assistant import PromptSteps
    from core.app.services import build_services
    from core.config.settings import load_settings
    from core.domain.errors import AudioError
    from core.domain.ports import GenerationRequest
    from tests.fakes import FakeCaptioner

    values = {"DATA_DIR": str(tmp_path), "REPLICATE_API_TOKEN": fake_replicate.token,
              "REPLICATE_BASE_URL": fake_replicate.base_url}  # fmt: skip
    services = build_services(load_settings(values, dotenv_path=None), transcriber=lambda: base_transcriber,
                              captioner=FakeCaptioner)  # fmt: skip
    heard = base_transcriber.transcribe(decode_audio(clip["path"].read_bytes(), filename=clip["file"]))
    steps = PromptSteps(services.assistant, translate=True)
    try:
        if not heard.text.strip():  # fr_forest: taken for Thai, with no words (measured)
            with pytest.raises(AudioError):
                services.pipeline.create(GenerationRequest(prompt=""), audio=clip["path"].read_bytes(), steps=steps)
            assert fake_replicate.created == []  # nothing translated, nothing drawn
            return
        [saved] = services.pipeline.create(GenerationRequest(prompt=""), audio=clip["path"].read_bytes(), steps=steps)
        record = saved.record  # type: ignore[union-attr]
        assert (record.transcript, record.language) == (heard.text, heard.language)
        assert len(fake_replicate.prompt_model.translations) == (heard.language != "en")
        assert (record.prompt != record.transcript) == (heard.language != "en")  # drawn from the English
        if clip["language"] in HEARD_RIGHT:
            assert record.language == clip["language"]
    finally:
        services.database.dispose()
