"""The Create page, driven like a person would, against real adapters on loopback and tiny models."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import load_settings
from core.records import HistoryQuery
from core.services import build_services
from tests.app.conftest import page
from tests.fakes import tone

CLIPS = Path(__file__).resolve().parents[1] / "fixtures" / "audio"


@pytest.fixture
def configured(data_dir, fake_replicate, real_whisper_transformers_dir, tiny_blip_dir, monkeypatch):
    monkeypatch.setenv("REPLICATE_API_TOKEN", fake_replicate.token)
    monkeypatch.setenv("REPLICATE_BASE_URL", fake_replicate.base_url)
    monkeypatch.setenv("WHISPER_MODEL", str(real_whisper_transformers_dir))
    monkeypatch.setenv("CAPTION_MODEL", str(tiny_blip_dir))
    return fake_replicate


def saved_records():
    return build_services(load_settings()).repository.search(query=HistoryQuery(limit=100))


def test_recording_becomes_prompt_image_caption_and_exactly_one_saved_row(configured):
    at = page("pages/create.py", timeout=180)
    at.run()
    wav = (CLIPS / "house_16k_mono.wav").read_bytes()
    at.audio_input(key="rec").set_value(("clip.wav", wav, "audio/wav")).run()
    at.button(key="transcribe").click().run()
    assert not at.exception
    assert "house" in at.text_area(key="prompt").value.lower()

    at.button(key="generate").click().run()
    assert not at.exception and not at.error
    assert len(at.get("image")) == 1
    assert configured.created[-1].body["input"]["prompt"] == at.text_area(key="prompt").value

    at.button(key="save_0").click().run()
    page_of_records = saved_records()
    assert page_of_records.total == 1
    record = page_of_records.records[0]
    assert "house" in (record.transcript or "").lower() and record.description
    assert any("Saved as #" in s.value for s in at.success)

    at.run()
    at.run()
    assert saved_records().total == 1


def test_do_it_all_from_an_upload_saves_every_image(configured):
    at = page("pages/create.py", timeout=180)
    at.run()
    at.file_uploader(key="upload").set_value(("sea.flac", (CLIPS / "sea.flac").read_bytes(), "audio/flac")).run()
    at.slider(key="num_outputs").set_value(2).run()
    at.button(key="run_all").click().run()
    assert not at.exception and not at.error
    assert saved_records().total == 2
    assert at.text_area(key="prompt").value.strip()


def test_typed_prompt_works_without_any_audio(configured):
    at = page("pages/create.py", timeout=120)
    at.run()
    at.text_area(key="prompt").set_value("A lighthouse at dusk 🌅 مرحبا <b>bold</b>").run()
    at.button(key="generate").click().run()
    assert not at.error
    assert configured.created[-1].body["input"]["prompt"] == "A lighthouse at dusk 🌅 مرحبا <b>bold</b>"


def test_missing_token_is_explained_and_nothing_is_generated(data_dir, fake_replicate, monkeypatch):
    monkeypatch.setenv("REPLICATE_BASE_URL", fake_replicate.base_url)
    at = page("pages/create.py")
    at.run()
    assert any("REPLICATE_API_TOKEN" in e.value for e in at.error)
    at.text_area(key="prompt").set_value("a red kite").run()
    at.button(key="generate").click().run()
    assert not at.exception
    assert any("REPLICATE_API_TOKEN" in e.value for e in at.error)
    assert fake_replicate.requests == []
    assert len(at.get("image")) == 0


def test_silent_recording_asks_to_check_the_microphone(configured):
    at = page("pages/create.py")
    at.run()
    at.audio_input(key="rec").set_value(("clip.wav", tone(2.0, amplitude=0.0), "audio/wav")).run()
    at.button(key="transcribe").click().run()
    assert not at.exception
    assert any("silent" in e.value for e in at.error)
