"""AppTest setup: each test gets its own data folder and fresh cached resources."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fresh_streamlit_caches():
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Embedded defaults (SQLite + local folder) in a temporary DATA_DIR."""
    folder = tmp_path / "data"
    monkeypatch.setenv("DATA_DIR", str(folder))
    return folder


@pytest.fixture
def create_page_models(data_dir, fake_replicate, real_whisper_transformers_dir, tiny_blip_dir, monkeypatch):
    """The Create page on the embedded defaults, with the fake Replicate, real tiny.en and a tiny BLIP."""
    monkeypatch.setenv("REPLICATE_API_TOKEN", fake_replicate.token)
    monkeypatch.setenv("REPLICATE_BASE_URL", fake_replicate.base_url)
    monkeypatch.setenv("SPEECH_ENGINE", "transformers")  # the folder is a transformers checkpoint
    monkeypatch.setenv("WHISPER_MODEL", str(real_whisper_transformers_dir))
    monkeypatch.setenv("CAPTION_MODEL", str(tiny_blip_dir))
    monkeypatch.setenv("MODEL_THREADS", "1")
    return fake_replicate


def page(relative_path: str, *, timeout: float = 60) -> AppTest:
    """An AppTest of one script of the app (Home.py or pages/<name>.py)."""
    return AppTest.from_file(str(ROOT / relative_path), default_timeout=timeout)


def signed_in(at: AppTest) -> AppTest:
    """As if the visitor had typed APP_PASSWORD earlier in this session (every page checks it)."""
    from ui.access.page_access import GRANTED_KEY

    at.session_state[GRANTED_KEY] = True
    return at


def finish_runs(at: AppTest, timeout: float = 120) -> AppTest:
    """Wait for the session's Generate / Do it all runs (worker threads) to end, then rerun the page."""
    from ui.create.flow import RUNS

    try:
        runs = at.session_state[RUNS]
    except KeyError:
        runs = []
    for run in runs:
        assert run.wait(timeout), "a run did not finish in time"
    return at.run()


MODEL_LIBRARIES = ("torch", "transformers", "ctranslate2", "faster_whisper")


def model_libraries_imported_by(relative_path: str, *, then: str = "") -> list[str]:
    """Render a page in a fresh interpreter (plus the statements in `then`); list the model libraries it imported."""
    script = f"""
import json, sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({str(ROOT / relative_path)!r}, default_timeout=60).run()
{then}
assert not at.exception, at.exception
print(json.dumps(sorted(name for name in {MODEL_LIBRARIES!r} if name in sys.modules)))
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])
