"""Which recorder Create shows: the live one where app.py serves /listen with faster-whisper, else st.audio_input."""

from __future__ import annotations

import pytest

from core.app.process import serve_pages_behind_http_gate
from tests.app.conftest import page


@pytest.fixture
def served_by_app_py():
    serve_pages_behind_http_gate(True)
    yield
    serve_pages_behind_http_gate(False)


def recorders(monkeypatch: pytest.MonkeyPatch, **settings: str) -> tuple[bool, bool]:
    """(live recorder drawn, st.audio_input drawn) on a fresh Create page."""
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    at = page("pages/create.py").run()
    assert not at.exception
    live = "live_rec" in at.session_state
    return live, any(widget.key == "rec" for widget in at.get("audio_input"))


def test_served_by_app_py_with_faster_whisper_the_recorder_streams(data_dir, served_by_app_py, monkeypatch) -> None:
    assert recorders(monkeypatch, SPEECH_ENGINE="faster-whisper") == (True, False)


@pytest.mark.parametrize("engine", ["transformers", "replicate"])
def test_other_speech_engines_keep_streamlits_recorder(data_dir, served_by_app_py, monkeypatch, engine) -> None:
    assert recorders(monkeypatch, SPEECH_ENGINE=engine) == (False, True)


def test_live_words_turned_off_keep_streamlits_recorder(data_dir, served_by_app_py, monkeypatch) -> None:
    assert recorders(monkeypatch, LISTEN_MAX_STREAMS="0") == (False, True)


def test_home_py_alone_has_no_listen_route_so_streamlits_recorder_stays(data_dir, monkeypatch) -> None:
    assert recorders(monkeypatch, SPEECH_ENGINE="faster-whisper") == (False, True)
