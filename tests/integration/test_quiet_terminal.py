"""The command line prints results and clear errors, not progress bars, deprecation warnings or app advice."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest

from core.domain.ports import AudioClip
from core.speech.whisper import load_transcriber
from tests.fixtures.cli import run_cli_process
from tests.fixtures.models import speech_clips
from tests.integration.test_cli import json_lines

HOUSE = next(Path(clip["path"]) for clip in speech_clips() if Path(clip["path"]).name == "house_16k_mono.wav")
# Printed by transformers 5.23's own WhisperForConditionalGeneration.generate, which passes suppress_tokens
# next to its generation_config on every call; no caller can avoid it (see core/speech/whisper.py).
TRANSFORMERS_OWN_WHISPER_WARNING = "Passing `generation_config` together with generation-related arguments"
NOISE = ("Loading weights", "it/s]", "forced_decoder_ids", "max_new_tokens", "max_length", "torchvision")


@pytest.fixture
def whisper_with_legacy_config(real_whisper_transformers_dir: Path, tmp_path: Path) -> Path:
    """The tiny.en checkpoint with forced_decoder_ids in its generation config, as OpenAI's published ones have."""
    folder = tmp_path / "whisper-tiny.en"
    shutil.copytree(real_whisper_transformers_dir, folder)
    config_path = folder / "generation_config.json"
    config = json.loads(config_path.read_text())
    config["forced_decoder_ids"] = [[1, config["no_timestamps_token_id"]]]
    config_path.write_text(json.dumps(config))
    return folder


def test_transcribing_from_the_command_line_prints_no_progress_bar_or_deprecation_warning(
    whisper_with_legacy_config: Path, tmp_path: Path
) -> None:
    env = {
        "SPEECH_ENGINE": "transformers",  # the transformers engine is the one with progress bars and deprecations
        "WHISPER_MODEL": str(whisper_with_legacy_config),
        "DATA_DIR": str(tmp_path),
        "HF_HUB_OFFLINE": "1",
    }

    result = run_cli_process("transcribe", str(HOUSE), env=env)

    assert result.returncode == 0, result.stderr
    assert "house" in json_lines(result.stdout)[0]["text"].lower()
    noise = [line for line in result.stderr.splitlines() if TRANSFORMERS_OWN_WHISPER_WARNING not in line]
    assert noise == [], result.stderr


def test_transcribing_raises_no_python_warnings(whisper_with_legacy_config: Path) -> None:
    import soundfile

    samples, rate = soundfile.read(HOUSE, dtype="float32")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        transcriber = load_transcriber(engine="transformers", model=str(whisper_with_legacy_config))
        transcript = transcriber.transcribe(AudioClip(samples=samples, sample_rate=rate))

    assert "house" in transcript.text.lower()
    assert [str(w.message) for w in caught] == []


def test_creating_from_the_command_line_writes_nothing_to_stderr(
    tiny_blip_dir: Path, fake_replicate, tmp_path: Path
) -> None:
    env = {
        "CAPTION_MODEL": str(tiny_blip_dir),
        "REPLICATE_API_TOKEN": fake_replicate.token,
        "REPLICATE_BASE_URL": fake_replicate.base_url,
        "DATA_DIR": str(tmp_path / "data"),
        "HF_HUB_OFFLINE": "1",
    }

    result = run_cli_process(
        "create", "--prompt", "a lighthouse at dusk", "--no-save", "--output-dir", str(tmp_path), env=env
    )

    assert result.returncode == 0, result.stderr
    assert json_lines(result.stdout)[0]["description"]
    assert result.stderr == ""


@pytest.mark.parametrize("token", [None, "r8_not_the_right_token"], ids=["missing", "rejected"])
def test_command_line_token_errors_say_what_to_set_and_never_to_restart(
    fake_replicate, tiny_blip_dir: Path, tmp_path: Path, token: str | None
) -> None:
    env = {
        "CAPTION_MODEL": str(tiny_blip_dir),  # create loads it before paying for an image
        "REPLICATE_BASE_URL": fake_replicate.base_url,
        "DATA_DIR": str(tmp_path),
        "HF_HUB_OFFLINE": "1",
    }
    if token:
        env["REPLICATE_API_TOKEN"] = token

    result = run_cli_process("create", "--prompt", "a kite", "--no-save", env=env)

    assert result.returncode == 1
    assert "REPLICATE_API_TOKEN" in result.stderr and "restart" not in result.stderr.lower()
    assert not any(word in result.stderr for word in NOISE)
