"""Remote mode (SPEECH_ENGINE=replicate, CAPTION_ENGINE=replicate): every command and page works, no model library.

The session runs in a fresh interpreter (tests/fixtures/remote_session.py) so sys.modules shows exactly what
remote mode imports; the fake Replicate answers for Whisper, BLIP and FLUX.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.fixtures.remote_mode import ROOT, assert_remote_session_worked, remote_env, run_session


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
    assert set(report["failing"]) == {"speech_model", "caption_model", "embedding_model"}
    assert "REPLICATE_API_TOKEN" in report["speech_model"]["detail"]
