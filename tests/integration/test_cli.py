"""`python -m core` end to end: PostgreSQL, moto's S3 and the fake Replicate, reached over the network."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

from tests.fixtures.cli import run_cli, run_cli_process
from tests.fixtures.embedding import required_minilm_folder
from tests.fixtures.models import speech_clips, word_error_rate
from tests.fixtures.s3 import spaces_env

ROOT = Path(__file__).resolve().parents[2]
CLIPS = ROOT / "tests" / "fixtures" / "audio"


def json_lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


@pytest.fixture
def production_env(postgres_url, spaces_settings, fake_replicate, tmp_path) -> dict[str, str]:
    return {
        "DATABASE_URL": postgres_url,
        **spaces_env(spaces_settings),
        "REPLICATE_API_TOKEN": fake_replicate.token,
        "REPLICATE_BASE_URL": fake_replicate.base_url,
        "DATA_DIR": str(tmp_path / "unused-data"),
        "HF_HUB_OFFLINE": "1",
    }


def test_create_from_a_prompt_saves_to_postgres_and_spaces_and_prints_json(production_env, tiny_blip_dir):
    env = {**production_env, "CAPTION_MODEL": str(tiny_blip_dir)}
    migrate = run_cli("migrate", env=env)
    assert migrate.returncode == 0, migrate.stderr

    options = ("--aspect-ratio", "16:9", "--seed", "7", "--output-quality", "55", "--megapixels", "0.25")
    result = run_cli("create", "--prompt", "a red kite over the sea", *options, env=env)
    assert result.returncode == 0, result.stderr
    [line] = json_lines(result.stdout)
    for name in ("id", "prompt", "transcript", "description", "image_filename", "thumbnail_filename", "image_url"):
        assert name in line
    assert line["prompt"] == "a red kite over the sea" and line["description"]
    assert (line["output_quality"], line["megapixels"], line["seed"]) == (55, "0.25", 7)
    assert set(line["timings_ms"]) == {"generate", "caption", "upload"}
    with urllib.request.urlopen(line["image_url"], timeout=10) as response:
        assert response.status == 200 and response.headers["Content-Type"] == "image/webp"

    history = run_cli("history", "--search", "KITE", env=env)
    assert [r["id"] for r in json_lines(history.stdout)] == [line["id"]]
    assert json_lines(run_cli("history", "--search", "lighthouse", env=env).stdout) == []


def test_every_speech_clip_goes_from_create_audio_to_a_saved_record(
    production_env, tiny_blip_dir, real_whisper_ct2_dir
):
    env = {
        **production_env,
        "CAPTION_MODEL": str(tiny_blip_dir),
        "SPEECH_ENGINE": "faster-whisper",
        "WHISPER_MODEL": str(real_whisper_ct2_dir),
    }
    for seed, clip in enumerate(speech_clips()):
        # The fake Replicate draws by seed alone; equal images would rightly be saved once.
        result = run_cli("create", "--audio", str(clip["path"]), "--seed", str(seed), env=env)
        assert result.returncode == 0, f"{clip['file']}: {result.stderr}"
        [line] = json_lines(result.stdout)
        assert word_error_rate(clip["text"], line["transcript"]) <= 0.25, (clip["file"], line["transcript"])
        assert line["prompt"] == line["transcript"] and line["description"]
        assert list(line["timings_ms"]) == ["transcribe", "generate", "caption", "upload"]
    saved = json_lines(run_cli("history", "--limit", "100", env=env).stdout)
    assert len(saved) == len(speech_clips())


@pytest.mark.parametrize("engine", ["transformers", "faster-whisper"])
def test_transcribe_prints_text_language_duration_and_timings(
    engine, real_whisper_ct2_dir, real_whisper_transformers_dir
):
    folder = real_whisper_ct2_dir if engine == "faster-whisper" else real_whisper_transformers_dir
    env = {"SPEECH_ENGINE": engine, "WHISPER_MODEL": str(folder), "HF_HUB_OFFLINE": "1"}
    result = run_cli("transcribe", str(CLIPS / "sea.flac"), env=env)
    assert result.returncode == 0, result.stderr
    [line] = json_lines(result.stdout)
    assert word_error_rate("The sun is shining over the blue sea.", line["text"]) <= 0.25
    assert line["language"] == "en" and line["duration_s"] > 1.5
    assert set(line["timings_ms"]) == {"load_model", "transcribe"}


def test_transcribe_of_a_missing_model_folder_fails_in_one_line(tmp_path):
    env = {"WHISPER_MODEL": str(tmp_path / "nowhere"), "HF_HUB_OFFLINE": "1"}
    result = run_cli("transcribe", str(CLIPS / "sea.flac"), env=env)
    assert result.returncode == 1
    assert "WHISPER_MODEL" in result.stderr and result.stderr.strip().count("\n") == 0


def test_history_is_newest_first_and_pages_with_limit_and_offset(production_env, tiny_blip_dir):
    env = {**production_env, "CAPTION_MODEL": str(tiny_blip_dir)}
    ids = []
    for n in range(3):
        result = run_cli("create", "--prompt", f"picture number {n}", "--seed", str(n), env=env)
        assert result.returncode == 0, result.stderr
        ids.append(json_lines(result.stdout)[0]["id"])
    listed = [r["id"] for r in json_lines(run_cli("history", env=env).stdout)]
    assert listed == ids[::-1]
    second = [r["id"] for r in json_lines(run_cli("history", "--limit", "1", "--offset", "1", env=env).stdout)]
    assert second == [ids[1]]


def test_check_reports_every_part_and_fails_when_a_configured_part_is_down(
    production_env, tiny_blip_dir, real_whisper_transformers_dir
):
    env = {
        **production_env,
        "CAPTION_MODEL": str(tiny_blip_dir),
        "SPEECH_ENGINE": "transformers",
        "WHISPER_MODEL": str(real_whisper_transformers_dir),
        "EMBEDDING_MODEL": str(required_minilm_folder()),
    }
    healthy = run_cli("check", env=env)
    assert healthy.returncode == 0, healthy.stdout
    report = json.loads(healthy.stdout)
    parts = ("database", "storage", "replicate", "speech_model", "caption_model", "embedding_model")
    assert all(report[part]["ok"] for part in parts)

    broken = run_cli("check", env={**env, "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/x"})
    assert broken.returncode == 1
    assert "database" in json.loads(broken.stdout)["failing"]


# These two run the real process: its exit code through core/__main__.py and all it writes to file descriptor 2.
def test_bad_input_exits_2_with_one_clear_line_and_no_traceback(production_env):
    result = run_cli_process("create", "--prompt", "   ", env=production_env)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
    missing = run_cli_process("create", "--audio", "no-such-file.wav", env=production_env)
    assert missing.returncode == 2 and "No such file" in missing.stderr


def test_half_given_configuration_fails_naming_the_missing_variables(tmp_path):
    result = run_cli_process("history", env={"DB_HOST": "db.example", "DATA_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert "DB_USER" in result.stderr and "DB_NAME" in result.stderr and "Traceback" not in result.stderr


def test_create_runs_on_the_embedded_defaults_without_any_account_but_replicate(
    tmp_path, fake_replicate, tiny_blip_dir
):
    env = {
        "DATA_DIR": str(tmp_path / "data"),
        "REPLICATE_API_TOKEN": fake_replicate.token,
        "REPLICATE_BASE_URL": fake_replicate.base_url,
        "CAPTION_MODEL": str(tiny_blip_dir),
    }
    result = run_cli("create", "--prompt", "a paper boat", "--output-format", "png", env=env)
    assert result.returncode == 0, result.stderr
    [line] = json_lines(result.stdout)
    assert (tmp_path / "data" / "images" / line["image_filename"]).is_file()
    assert (tmp_path / "data" / "app.db").is_file()
