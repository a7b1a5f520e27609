"""Both Whisper engines transcribe real speech with OpenAI's tiny.en weights, loaded through core.speech.whisper."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from core.app.services import load_transcriber_for
from core.config.settings import load_settings
from core.domain.errors import ConfigError, ModelLoadError
from core.domain.ports import AudioClip, Transcriber
from core.speech.audio import decode_audio
from core.speech.decoding import START_TOKENS, token_budget
from core.speech.whisper import SPEECH_ENGINES, load_transcriber
from tests.fixtures.models import speech_clips, word_error_rate

ENGINES = tuple(SPEECH_ENGINES)
CLIPS = {clip["file"]: clip for clip in speech_clips()}
LONG_CLIP = "long_story.flac"
# tiny.en on espeak-ng's robotic voice: each short clip is recognised word for word on both engines when
# measured; the bound leaves room for one slip per sentence, never for a wrong or missing sentence.
MAX_WORD_ERROR_RATE = 0.2
REPO = Path(__file__).resolve().parents[2]


def load_clip(name: str) -> AudioClip:
    path = CLIPS[name]["path"]
    return decode_audio(path.read_bytes(), filename=path.name)


@pytest.fixture(scope="module", params=ENGINES)
def transcriber(
    request: pytest.FixtureRequest, real_whisper_transformers_dir: Path, real_whisper_ct2_dir: Path
) -> Iterator[Transcriber]:
    """One model per engine, loaded from a local folder through the app's loader, shared like the app shares it."""
    folder = real_whisper_transformers_dir if request.param == "transformers" else real_whisper_ct2_dir
    # One thread: on a shared 2-core runner, 2 torch threads stall whenever another process takes a core (measured).
    yield load_transcriber(engine=request.param, model=str(folder), device="cpu", threads=1)


@pytest.mark.slow
@pytest.mark.parametrize("clip_name", sorted(CLIPS))
def test_each_clip_is_transcribed_within_the_word_error_bound(transcriber: Transcriber, clip_name: str) -> None:
    clip = load_clip(clip_name)

    transcript = transcriber.transcribe(clip)

    wer = word_error_rate(CLIPS[clip_name]["text"], transcript.text)
    assert wer <= MAX_WORD_ERROR_RATE, f"{transcript.text!r} (WER {wer:.2f})"
    assert transcript.text == transcript.text.strip() and "<|" not in transcript.text


@pytest.mark.slow
def test_recording_longer_than_30_seconds_is_transcribed_whole(transcriber: Transcriber) -> None:
    clip = load_clip(LONG_CLIP)
    assert clip.duration_s > 30

    text = transcriber.transcribe(clip).text.lower()

    # First and last sentences: nothing is dropped before the first window or after the 30 s mark.
    assert "two birds are flying over the mountains" in text
    assert text.rstrip(".").endswith("the forest is quiet in the winter")


@pytest.mark.slow
def test_stereo_44k_clip_is_recognised_as_well_as_the_16k_mono_one(transcriber: Transcriber) -> None:
    stereo_file = CLIPS["house_44k_stereo.wav"]["path"]
    import soundfile

    assert soundfile.info(stereo_file).channels == 2 and soundfile.info(stereo_file).samplerate == 44_100
    reference = CLIPS["house_16k_mono.wav"]["text"]

    mono_wer = word_error_rate(reference, transcriber.transcribe(load_clip("house_16k_mono.wav")).text)
    stereo_wer = word_error_rate(reference, transcriber.transcribe(load_clip("house_44k_stereo.wav")).text)

    assert stereo_wer <= mono_wer


@pytest.mark.slow
def test_transcript_reports_english_and_the_clip_duration(transcriber: Transcriber) -> None:
    clip = load_clip("sea.flac")

    transcript = transcriber.transcribe(clip)

    assert transcript.language == "en"
    assert transcript.duration_s == pytest.approx(clip.duration_s)
    assert 2.0 < transcript.duration_s < 3.0


def test_multilingual_model_reports_the_language_it_detected(tiny_random_whisper_dir: Path) -> None:
    import json

    languages = json.loads((tiny_random_whisper_dir / "generation_config.json").read_text())["lang_to_id"]
    transcriber = load_transcriber(engine="transformers", model=str(tiny_random_whisper_dir), threads=1)

    transcript = transcriber.transcribe(load_clip("sea.flac"))

    # Seeded random weights pick a language that is not English: detection ran, not the English-only default.
    assert f"<|{transcript.language}|>" in languages and transcript.language != "en"
    assert isinstance(transcript.text, str) and "<|" not in transcript.text


def test_a_model_looping_on_a_short_clip_stops_at_the_clips_token_budget(tiny_random_whisper_dir: Path) -> None:
    # Random weights never say "end of text": like whisper-base repeating one Thai word, they run to the limit.
    transcriber = load_transcriber(engine="transformers", model=str(tiny_random_whisper_dir), threads=1)
    model = transcriber._model  # type: ignore[attr-defined]
    model.generation_config.max_length = 448  # as in every released Whisper checkpoint (this tiny one says 24)
    generate = model.generate
    written: list[int] = []

    def counting_generate(**options: Any) -> Any:
        token_ids = generate(**options)
        written.append(token_ids.shape[-1])
        return token_ids

    model.generate = counting_generate
    clip = load_clip("sea.flac")

    transcriber.transcribe(clip)

    assert written and written[0] <= token_budget(clip.duration_s) + START_TOKENS < 200
    assert token_budget(clip.duration_s) >= 2 * 2.7 * 5  # room for fast speech: about 5 tokens a second


@pytest.mark.slow
def test_model_id_is_the_whisper_model_setting_as_given(
    transcriber: Transcriber, real_whisper_transformers_dir: Path, real_whisper_ct2_dir: Path
) -> None:
    assert transcriber.model_id in (str(real_whisper_transformers_dir), str(real_whisper_ct2_dir))


@pytest.mark.slow
def test_four_threads_sharing_one_model_get_the_same_texts_as_one_at_a_time(transcriber: Transcriber) -> None:
    names = ["house_16k_mono.wav", "sea.flac", "coffee.ogg", "tower.mp3"]
    clips = [load_clip(name) for name in names]
    one_at_a_time = [transcriber.transcribe(clip).text for clip in clips]

    with ThreadPoolExecutor(max_workers=4) as pool:
        at_once = [future.result() for future in [pool.submit(transcriber.transcribe, clip) for clip in clips]]

    # Any "Already borrowed" or other error from a shared tokenizer would have been raised by result().
    assert [transcript.text for transcript in at_once] == one_at_a_time
    assert len(set(one_at_a_time)) == 4


class DecodingSpy:
    """Wraps a real model's decoding call, remembering the beam width each call asked for, then decodes."""

    def __init__(self, decode: Any, option: str) -> None:
        self.decode, self.option, self.widths = decode, option, []

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.widths.append(kwargs.get(self.option))
        return self.decode(*args, **kwargs)


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("setting", "width"), [(None, 5), ("1", 1), ("3", 3)])
def test_whisper_beam_size_setting_reaches_the_engines_decoder(
    engine: str,
    setting: str | None,
    width: int,
    real_whisper_transformers_dir: Path,
    real_whisper_ct2_dir: Path,
) -> None:
    folder = real_whisper_transformers_dir if engine == "transformers" else real_whisper_ct2_dir
    environ = {"SPEECH_ENGINE": engine, "WHISPER_MODEL": str(folder), "MODEL_DEVICE": "cpu", "MODEL_THREADS": "1"}
    if setting is not None:
        environ["WHISPER_BEAM_SIZE"] = setting
    transcriber = load_transcriber_for(load_settings(environ, dotenv_path=None))
    model = transcriber._model  # type: ignore[attr-defined]
    method, option = ("generate", "num_beams") if engine == "transformers" else ("transcribe", "beam_size")
    spy = DecodingSpy(getattr(model, method), option)
    setattr(model, method, spy)

    text = transcriber.transcribe(load_clip("house_16k_mono.wav")).text

    assert spy.widths == [width]
    assert word_error_rate(CLIPS["house_16k_mono.wav"]["text"], text) <= MAX_WORD_ERROR_RATE, text


@pytest.mark.parametrize("engine", ENGINES)
def test_whisper_folder_that_does_not_exist_fails_fast_naming_whisper_model(engine: str, tmp_path: Path) -> None:
    missing = tmp_path / "models" / "whisper-base"
    started = time.perf_counter()

    with pytest.raises(ModelLoadError) as error:
        load_transcriber(engine=engine, model=str(missing))

    assert time.perf_counter() - started < 5
    assert "WHISPER_MODEL" in str(error.value) and str(missing) in str(error.value)
    assert "local model folder" in str(error.value) or "folder holding a saved model" in str(error.value)


# Ids nobody has in their hub cache, so the tests behave the same on every machine.
HUB_IDS = {"transformers": "example-org/whisper-never-downloaded", "faster-whisper": "large-v1"}


@pytest.mark.parametrize("engine", ENGINES)
def test_hub_model_absent_from_the_cache_fails_fast_offline(engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    started = time.perf_counter()

    with pytest.raises(ModelLoadError) as error:
        load_transcriber(engine=engine, model=HUB_IDS[engine])

    assert time.perf_counter() - started < 5
    assert f"WHISPER_MODEL={HUB_IDS[engine]}" in str(error.value) and "local model folder" in str(error.value)


@pytest.mark.parametrize("engine", ENGINES)
def test_unreachable_hub_fails_fast_instead_of_hanging(engine: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # the discard port: nothing listens there
    started = time.perf_counter()

    with pytest.raises(ModelLoadError) as error:
        load_transcriber(engine=engine, model=HUB_IDS[engine])

    assert time.perf_counter() - started < 5
    assert "cannot be reached" in str(error.value) and "127.0.0.1" in str(error.value)


@pytest.mark.parametrize("engine", ENGINES)
def test_folder_without_a_model_fails_saying_which_file_is_missing(engine: str, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a model")

    with pytest.raises(ModelLoadError) as error:
        load_transcriber(engine=engine, model=str(tmp_path))

    expected = "config.json" if engine == "transformers" else "model.bin"
    assert f"WHISPER_MODEL={tmp_path}" in str(error.value) and f"{expected} is missing" in str(error.value)


@pytest.mark.parametrize("engine", ENGINES)
def test_damaged_model_folder_fails_with_model_load_error(engine: str, tmp_path: Path) -> None:
    (tmp_path / ("config.json" if engine == "transformers" else "model.bin")).write_bytes(b"\x00damaged{")

    with pytest.raises(ModelLoadError) as error:
        load_transcriber(engine=engine, model=str(tmp_path))

    assert f"WHISPER_MODEL={tmp_path} could not be loaded" in str(error.value)


def test_unknown_engine_is_a_config_error_listing_the_engines() -> None:
    with pytest.raises(ConfigError) as error:
        load_transcriber(engine="whisper.cpp", model="tiny.en")

    assert "transformers" in str(error.value) and "faster-whisper" in str(error.value)


def test_importing_speech_and_captioning_loads_no_model_library() -> None:
    heavy = ("torch", "transformers", "ctranslate2", "faster_whisper")
    code = f"import sys, core.speech.whisper, core.captioning.blip; print([m for m in {heavy!r} if m in sys.modules])"

    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)

    assert result.stdout.strip() == "[]"


def test_default_speech_model_is_the_ctranslate2_conversion_of_whisper_base(monkeypatch: pytest.MonkeyPatch) -> None:
    from core.app.services import speech_model_source

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens: only the name is of interest
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")  # a proxy skips the reachability probe

    source = speech_model_source(load_settings({}, dotenv_path=None))

    assert (source.location, source.repo, source.downloads) == ("base", "Systran/faster-whisper-base", True)


@pytest.mark.parametrize(
    ("given", "name"),
    [("openai/whisper-base", "base"), ("openai/whisper-tiny.en", "tiny.en"), ("openai/whisper-nonsense", None)],
)
def test_an_openai_whisper_id_from_an_earlier_env_file_maps_to_its_faster_whisper_size(
    given: str, name: str | None
) -> None:
    from core.speech.sources import ct2_hub_id, faster_whisper_name

    assert faster_whisper_name(given) == (name or given)
    assert ct2_hub_id(given) == (f"Systran/faster-whisper-{name}" if name else None)
