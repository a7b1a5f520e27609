"""Create's spoken-language choice: Auto detects, a chosen language is sent to the speech model and kept."""

from __future__ import annotations

import pytest

from tests.app.conftest import page
from tests.app.test_create_page import HOUSE, record
from tests.fixtures.remote_mode import remote_env


@pytest.fixture
def remote_speech(data_dir, fake_replicate, monkeypatch):
    for name, value in remote_env(fake_replicate, data_dir).items():
        monkeypatch.setenv(name, value)
    return fake_replicate


def whisper_inputs(fake) -> list[dict]:
    return [r.body["input"] for r in fake.created if "audio" in (r.body or {}).get("input", {})]


def test_auto_lets_whisper_detect_and_a_chosen_language_is_sent_and_shown(remote_speech):
    at = page("pages/create.py").run()
    assert at.selectbox(key="spoken_language").value == "auto"  # detect it

    record(at, HOUSE)
    assert "language" not in whisper_inputs(remote_speech)[-1]
    assert any("Heard in English (en)" in c.value for c in at.caption)

    at.selectbox(key="spoken_language").set_value("de").run()
    at.button(key="transcribe").click().run()

    assert not at.exception
    assert whisper_inputs(remote_speech)[-1]["language"] == "de"
    assert any("Heard in German (de)" in c.value for c in at.caption)
    at.run()
    assert at.selectbox(key="spoken_language").value == "de"  # kept for the session
