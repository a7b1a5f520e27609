"""The Create page never cuts a transcript: an over-long prompt is flagged for editing and nothing is paid."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import soundfile

from tests.app.conftest import finish_runs, page

CLIPS = Path(__file__).resolve().parents[1] / "fixtures" / "audio"


def as_wav(path: Path) -> bytes:
    samples, rate = soundfile.read(path)
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, rate, format="WAV")
    return buffer.getvalue()


@pytest.fixture
def short_prompt_limit(create_page_models, monkeypatch):
    monkeypatch.setenv("MAX_PROMPT_CHARS", "20")
    return create_page_models


def test_a_transcript_over_the_prompt_limit_is_kept_whole_flagged_and_cannot_be_generated(short_prompt_limit):
    at = page("pages/create.py", timeout=180)
    at.run()
    at.file_uploader(key="upload").set_value(("sea.flac", (CLIPS / "sea.flac").read_bytes(), "audio/flac")).run()
    assert not at.exception  # the upload is transcribed as it arrives

    box = at.text_area(key="prompt")
    assert len(box.value) > 20 and "sea" in box.value.lower()
    assert not box.proto.max_chars  # the browser would cut the text to this length
    assert any("limit is 20" in w.value and "Nothing has been cut" in w.value for w in at.warning)
    assert at.button(key="generate").disabled and at.button(key="run_all").disabled

    box.set_value("the blue sea").run()
    assert not at.warning and not at.button(key="generate").disabled
    at.button(key="generate").click().run()
    finish_runs(at)
    assert [r.body["input"]["prompt"] for r in short_prompt_limit.created] == ["the blue sea"]


def test_the_prompt_limit_is_explained_next_to_the_audio_limit(short_prompt_limit):
    at = page("pages/create.py").run()
    assert any("/20 characters" in c.value and "300 s" in c.value for c in at.caption)


def test_do_it_all_with_an_over_long_transcript_pays_nothing_and_hands_it_over_for_editing(short_prompt_limit):
    at = page("pages/create.py", timeout=180)
    at.run()
    at.toggle(key="auto_transcribe").set_value(False).run()  # so Do it all does the transcribing
    at.audio_input(key="rec").set_value(("sea.wav", as_wav(CLIPS / "sea.flac"), "audio/wav")).run()
    assert at.text_area(key="prompt").value == ""
    at.button(key="run_all").click().run()
    finish_runs(at)
    assert not at.exception

    assert short_prompt_limit.created == []
    assert "sea" in at.text_area(key="prompt").value.lower() and len(at.text_area(key="prompt").value) > 20
    assert any("limit is 20" in w.value for w in at.warning)
