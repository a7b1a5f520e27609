"""Remote mode (SPEECH_ENGINE=replicate, CAPTION_ENGINE=replicate): every command and page works, no model library.

The session runs in a fresh interpreter (tests/fixtures/remote_session.py) so sys.modules shows exactly what
remote mode imports; the fake Replicate answers for Whisper, BLIP and FLUX.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLIP = ROOT / "tests" / "fixtures" / "audio" / "house_16k_mono.wav"
SESSION = ROOT / "tests" / "fixtures" / "remote_session.py"


def remote_env(fake_replicate, data_dir: Path) -> dict[str, str]:
    """A remote set-up on the embedded defaults, with model settings that would fail if anything loaded them."""
    return {
        "SPEECH_ENGINE": "replicate",
        "CAPTION_ENGINE": "replicate",
        "REPLICATE_API_TOKEN": fake_replicate.token,
        "REPLICATE_BASE_URL": fake_replicate.base_url,
        "DATA_DIR": str(data_dir),
        "WHISPER_MODEL": "/nonexistent/whisper",
        "CAPTION_MODEL": "/nonexistent/blip",
    }


def run_session(python: str, env: dict[str, str], cwd: Path, timeout: float = 600) -> dict:
    result = subprocess.run(
        [python, str(SESSION), str(CLIP)],
        cwd=cwd,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def assert_remote_session_worked(report: dict, fake_replicate) -> None:
    """The claims both remote-mode tests make about one session's report."""
    expected = fake_replicate.community.whisper.transcript
    create = report["create"]
    assert create["code"] == 0, create["stderr"]
    [saved] = create["json"]
    assert saved["transcript"] == expected and saved["prompt"] == expected
    assert saved["description"] == "a white circle on a coloured square"  # BLIP's "Caption:" label dropped
    assert saved["image_filename"]

    transcribe = report["transcribe"]
    assert transcribe["code"] == 0, transcribe["stderr"]
    assert transcribe["json"][0]["text"] == expected
    assert transcribe["json"][0]["language"] == "english"
    assert transcribe["json"][0]["model"] == "openai/whisper"

    check = report["check"]
    assert check["code"] == 0, check
    [status] = check["json"]
    assert (status["speech_engine"], status["caption_engine"]) == ("replicate", "replicate")
    assert "openai/whisper" in status["speech_model"]["detail"]
    assert "salesforce/blip" in status["caption_model"]["detail"]

    for script, outcome in report["pages"].items():
        assert outcome["exception"] == [], (script, outcome)
    create_page = report["pages"]["pages/create.py"]
    assert create_page["prompt"] == expected
    assert create_page["images"] == 1 and create_page["saved"]

    assert report["model_libraries"] == []


def test_remote_mode_runs_every_command_and_page_without_importing_a_model_library(fake_replicate, tmp_path):
    report = run_session(sys.executable, remote_env(fake_replicate, tmp_path / "data"), tmp_path)

    assert_remote_session_worked(report, fake_replicate)
    # Speech went up as a file to the version of openai/whisper; captions likewise to salesforce/blip.
    versions = fake_replicate.community.versions
    used = {r.body.get("version") for r in fake_replicate.created if isinstance(r.body, dict)}
    assert {versions["openai/whisper"], versions["salesforce/blip"]} <= used
    assert any(upload.content_type == "audio/wav" for upload in fake_replicate.uploads)


def test_check_fails_naming_the_token_when_remote_engines_have_none(tmp_path):
    env = {**os.environ, "SPEECH_ENGINE": "replicate", "CAPTION_ENGINE": "replicate", "DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "core", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert set(report["failing"]) == {"speech_model", "caption_model"}
    assert "REPLICATE_API_TOKEN" in report["speech_model"]["detail"]
