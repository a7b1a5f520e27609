"""`transcribe --translate` and `create --translate --improve-prompt` end to end, with real whisper-base weights."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.replicate_prompt import IMPROVED_TAIL
from tests.fixtures.replicate_server import FakeReplicate
from tests.integration.test_cli import CLIPS, json_lines, run_cli


@pytest.fixture
def base_env(fake_replicate: FakeReplicate, whisper_base_ct2_dir: Path, tmp_path: Path) -> dict[str, str]:
    return {
        "DATA_DIR": str(tmp_path / "data"),
        "REPLICATE_API_TOKEN": fake_replicate.token,
        "REPLICATE_BASE_URL": fake_replicate.base_url,
        "SPEECH_ENGINE": "faster-whisper",
        "WHISPER_MODEL": str(whisper_base_ct2_dir),
        "MODEL_THREADS": "2",
        "HF_HUB_OFFLINE": "1",
    }


def test_transcribe_translate_prints_english_the_original_and_the_language(base_env, fake_replicate):
    result = run_cli("transcribe", str(CLIPS / "de_lighthouse_16k.wav"), "--translate", env=base_env)
    assert result.returncode == 0, result.stderr
    [line] = json_lines(result.stdout)
    assert line["language"] == "de"
    assert line["original_text"].split()[0] == "Ein"  # the German words, as spoken
    [call] = fake_replicate.prompt_model.translations
    assert call["prompt"] == line["original_text"]
    assert line["text"] != line["original_text"] and "translate" in line["timings_ms"]


def test_transcribe_translate_never_sends_english_speech(base_env, fake_replicate):
    result = run_cli("transcribe", str(CLIPS / "house_16k_mono.wav"), "--translate", env=base_env)
    assert result.returncode == 0, result.stderr
    [line] = json_lines(result.stdout)
    assert line["language"] == "en" and line["text"] == line["original_text"]
    assert fake_replicate.requests == []


@pytest.mark.parametrize(
    "args",
    [
        ("transcribe", str(CLIPS / "de_fox_16k.wav"), "--translate"),
        ("create", "--prompt", "a fox", "--improve-prompt"),
        ("create", "--audio", str(CLIPS / "de_fox_16k.wav"), "--translate", "--no-save"),
    ],
)
def test_prompt_options_without_a_token_say_what_to_set_and_exit_2(base_env, fake_replicate, args):
    env = {**base_env, "REPLICATE_API_TOKEN": ""}
    result = run_cli(*args, env=env)
    assert result.returncode == 2
    assert "REPLICATE_API_TOKEN" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert fake_replicate.requests == []


def test_create_translates_and_improves_spoken_german_and_keeps_the_transcript(base_env, fake_replicate, tiny_blip_dir):
    env = {**base_env, "CAPTION_MODEL": str(tiny_blip_dir)}
    clip = str(CLIPS / "de_lighthouse_16k.wav")
    result = run_cli("create", "--audio", clip, "--translate", "--improve-prompt", "--seed", "3", env=env)
    assert result.returncode == 0, result.stderr
    [record] = json_lines(result.stdout)
    assert record["language"] == "de" and record["transcript"].split()[0] == "Ein"
    assert record["prompt"].endswith(IMPROVED_TAIL)
    translation, _ = fake_replicate.prompt_model.calls
    assert translation["prompt"] == record["transcript"]
    [flux] = [r for r in fake_replicate.created if "flux-schnell" in r.path]
    assert flux.body["input"]["prompt"] == record["prompt"]
    [listed] = json_lines(run_cli("history", env=env).stdout)
    assert (listed["id"], listed["language"]) == (record["id"], "de")


def test_a_failed_prompt_step_exits_1_in_one_line_and_pays_for_no_image(base_env, fake_replicate, tiny_blip_dir):
    env = {**base_env, "CAPTION_MODEL": str(tiny_blip_dir)}
    fake_replicate.queue("failed")
    result = run_cli("create", "--prompt", "a fox in the snow", "--improve-prompt", env=env)
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1 and "prompt" in result.stderr
    assert [r for r in fake_replicate.created if "flux-schnell" in r.path] == []
    assert json_lines(run_cli("history", env=env).stdout) == []


def test_transcribe_with_a_language_skips_detection_and_reports_that_language(base_env):
    result = run_cli("transcribe", str(CLIPS / "de_lighthouse_16k.wav"), "--language", "de", env=base_env)
    assert result.returncode == 0, result.stderr
    [line] = json_lines(result.stdout)
    assert line["language"] == "de" and line["text"].split()[0] == "Ein"
