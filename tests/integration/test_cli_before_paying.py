"""`python -m core create` checks every input before the first paid prediction (counted by the fake Replicate)."""

from __future__ import annotations

import pytest

from tests.integration.test_cli import CLIPS, json_lines, run_cli


@pytest.fixture
def embedded_env(fake_replicate, tiny_blip_dir, tmp_path) -> dict[str, str]:
    return {
        "DATA_DIR": str(tmp_path / "data"),
        "REPLICATE_API_TOKEN": fake_replicate.token,
        "REPLICATE_BASE_URL": fake_replicate.base_url,
        "CAPTION_MODEL": str(tiny_blip_dir),
        "HF_HUB_OFFLINE": "1",
    }


@pytest.mark.parametrize("save", [True, False])
def test_an_output_dir_that_is_a_file_is_refused_before_any_prediction(save, embedded_env, fake_replicate, tmp_path):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder")
    extra = [] if save else ["--no-save"]

    result = run_cli("create", "--prompt", "a kite", "--output-dir", str(a_file), *extra, env=embedded_env)

    assert result.returncode == 2
    assert "is a file, not a folder" in result.stderr and result.stderr.count("\n") == 1
    assert fake_replicate.created == []


def test_an_output_dir_inside_a_file_is_refused_before_any_prediction(embedded_env, fake_replicate, tmp_path):
    (tmp_path / "notes.txt").write_text("not a folder")
    inside = str(tmp_path / "notes.txt" / "out")

    result = run_cli("create", "--prompt", "a kite", "--no-save", "--output-dir", inside, env=embedded_env)

    assert result.returncode == 2 and "choose a writable --output-dir" in result.stderr
    assert fake_replicate.created == []


def test_unreachable_storage_is_found_before_any_prediction(embedded_env, fake_replicate):
    env = {
        **embedded_env,
        "SPACES_KEY": "key",
        "SPACES_SECRET": "secret-value",
        "SPACES_BUCKET": "images",
        "SPACES_ENDPOINT": "http://127.0.0.1:9",
    }

    result = run_cli("create", "--prompt", "a kite", env=env)

    assert result.returncode == 1 and "Cannot reach Spaces" in result.stderr
    assert fake_replicate.created == []


def test_an_over_long_transcript_is_printed_with_advice_the_user_can_follow(
    embedded_env, fake_replicate, real_whisper_ct2_dir
):
    env = {
        **embedded_env,
        "SPEECH_ENGINE": "faster-whisper",
        "WHISPER_MODEL": str(real_whisper_ct2_dir),
        "MAX_PROMPT_CHARS": "20",
    }

    result = run_cli("create", "--audio", str(CLIPS / "sea.flac"), env=env)

    assert result.returncode == 2
    [printed] = json_lines(result.stdout)
    assert "sea" in printed["transcript"].lower() and printed["transcript_chars"] > 20
    assert printed["max_prompt_chars"] == 20
    assert "--prompt" in result.stderr and "Nothing was generated or paid for" in result.stderr
    assert fake_replicate.created == []


def test_a_caption_model_that_cannot_load_is_found_before_any_prediction(embedded_env, fake_replicate, tmp_path):
    env = {**embedded_env, "CAPTION_MODEL": str(tmp_path / "no-such-model")}

    result = run_cli("create", "--prompt", "a kite", env=env)

    assert result.returncode == 1 and "CAPTION_MODEL" in result.stderr
    assert fake_replicate.created == []


def test_a_refused_token_is_found_before_any_prediction_and_before_loading_models(embedded_env, fake_replicate):
    env = {**embedded_env, "REPLICATE_API_TOKEN": "r8_not_the_right_token", "CAPTION_MODEL": "/no/such/model"}

    result = run_cli("create", "--prompt", "a kite", env=env)

    assert result.returncode == 1 and "REPLICATE_API_TOKEN" in result.stderr
    assert fake_replicate.created == []
