"""The torch-free install: requirements-remote.txt alone runs the app when every model is on Replicate."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.fixtures.remote_mode import assert_remote_session_worked, remote_env, run_session
from tests.fixtures.remote_session import MODEL_LIBRARIES
from tests.fixtures.venvs import build_remote_venv

ROOT = Path(__file__).resolve().parents[2]
LEFT_OUT = {"torch", "transformers", "tokenizers", "safetensors", "threadpoolctl", "faster-whisper", "ctranslate2"}


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        if match := re.match(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]+\])?==(\S+)", line.strip()):
            found[match.group(1).lower()] = match.group(2)
    return found


def test_remote_requirements_are_the_runtime_pins_without_the_model_libraries():
    full, remote = pins(ROOT / "requirements.txt"), pins(ROOT / "requirements-remote.txt")

    assert set(full) >= LEFT_OUT
    assert remote == {name: version for name, version in full.items() if name not in LEFT_OUT}


@pytest.mark.install
@pytest.mark.timeout(1800)  # the first build installs from the package index; later runs reuse .cache/
def test_fresh_remote_install_runs_create_transcribe_check_and_the_create_page(fake_replicate, tmp_path):
    python = str(build_remote_venv())
    probe = f"import importlib.util as u; print([m for m in {MODEL_LIBRARIES!r} if u.find_spec(m)])"
    installed = subprocess.run([python, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert installed == "[]"  # not merely unimported: absent, so nothing can fall back to them

    report = run_session(python, remote_env(fake_replicate, tmp_path / "data"), tmp_path)

    assert_remote_session_worked(report, fake_replicate)
