"""Create's prompt tools in AppTest: the language heard, Translate to English, Improve prompt, and their Undo.

Real whisper-base (faster-whisper) hears the German clip; the fake Replicate plays the prompt model.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.app.services import build_services
from core.config.settings import load_settings
from core.domain.records import HistoryQuery
from tests.app.conftest import finish_runs, page
from tests.fixtures.replicate_prompt import IMPROVED_TAIL, translation_of

CLIPS = Path(__file__).resolve().parents[1] / "fixtures" / "audio"
GERMAN = (CLIPS / "de_fox_16k.wav").read_bytes()
ENGLISH = (CLIPS / "house_16k_mono.wav").read_bytes()


@pytest.fixture
def multilingual(data_dir, fake_replicate, whisper_base_ct2_dir, tiny_blip_dir, monkeypatch):
    monkeypatch.setenv("REPLICATE_API_TOKEN", fake_replicate.token)
    monkeypatch.setenv("REPLICATE_BASE_URL", fake_replicate.base_url)
    monkeypatch.setenv("SPEECH_ENGINE", "faster-whisper")
    monkeypatch.setenv("WHISPER_MODEL", str(whisper_base_ct2_dir))
    monkeypatch.setenv("CAPTION_MODEL", str(tiny_blip_dir))
    monkeypatch.setenv("MODEL_THREADS", "2")
    return fake_replicate


def record(at: AppTest, wav: bytes) -> AppTest:
    return at.audio_input(key="rec").set_value(("clip.wav", wav, "audio/wav")).run()


def prompt(at: AppTest) -> str:
    return at.text_area(key="prompt").value


def transcript(at: AppTest) -> str:
    return at.session_state["_transcript"].transcript.text


def captions(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def test_german_speech_is_translated_by_itself_and_undo_brings_back_the_words_as_spoken(multilingual):
    at = record(page("pages/create.py", timeout=180).run(), GERMAN)

    assert not at.exception and not at.error
    assert "Heard in German (de)" in captions(at)
    assert prompt(at) == translation_of(transcript(at))
    [call] = multilingual.prompt_model.translations
    assert call["prompt"] == transcript(at)

    at.button(key="undo_prompt").click().run()
    assert prompt(at) == transcript(at)
    assert len(multilingual.prompt_model.calls) == 1  # auto translates a transcript once, not after an undo

    at.button(key="translate").click().run()
    assert prompt(at) == translation_of(transcript(at))

    at.button(key="run_all").click().run()
    finish_runs(at)
    [saved] = build_services(load_settings()).records.search(query=HistoryQuery()).records
    assert (saved.prompt, saved.transcript, saved.language) == (prompt(at), transcript(at), "de")


def test_with_translation_off_german_stays_until_translate_is_clicked(multilingual, monkeypatch):
    monkeypatch.setenv("TRANSLATE_PROMPTS", "off")
    at = record(page("pages/create.py", timeout=180).run(), GERMAN)
    assert prompt(at) == transcript(at) and multilingual.prompt_model.calls == []

    at.button(key="translate").click().run()
    assert prompt(at) == translation_of(transcript(at))
    at.button(key="undo_prompt").click().run()
    assert prompt(at) == transcript(at)


def test_english_speech_offers_no_translation_and_is_never_sent(multilingual):
    at = record(page("pages/create.py", timeout=180).run(), ENGLISH)
    assert "Heard in English (en)" in captions(at)
    assert not [b for b in at.button if b.key == "translate"]
    assert multilingual.prompt_model.calls == []


def test_improve_rewrites_the_prompt_with_the_template_and_undo_restores_it(multilingual, monkeypatch):
    monkeypatch.setenv("PROMPT_TEMPLATE", "Paint it in oils.")
    at = page("pages/create.py", timeout=60).run()
    assert at.button(key="improve").disabled  # nothing to improve yet

    at.text_area(key="prompt").input("a fox in the snow").run()
    at.button(key="improve").click().run()
    assert prompt(at) == "a fox in the snow" + IMPROVED_TAIL
    [call] = multilingual.prompt_model.improvements
    assert call["system_prompt"] == "Paint it in oils."
    assert at.button(key="undo_prompt").label == "↩️ Undo improvement"

    at.button(key="undo_prompt").click().run()
    assert prompt(at) == "a fox in the snow"
    assert not [b for b in at.button if b.key == "undo_prompt"]


def test_a_failed_improvement_says_why_and_leaves_the_prompt_alone(multilingual):
    multilingual.queue("failed")
    at = page("pages/create.py", timeout=60).run()
    at.text_area(key="prompt").input("a fox in the snow").run()
    at.button(key="improve").click().run()
    assert prompt(at) == "a fox in the snow"
    assert any("Improving the prompt failed" in e.value for e in at.error)
    assert multilingual.token not in " ".join(e.value for e in at.error)


def test_do_it_all_on_untranscribed_german_draws_from_the_english_and_offers_undo(multilingual):
    at = page("pages/create.py", timeout=180).run()
    at.toggle(key="auto_transcribe").set_value(False).run()
    record(at, GERMAN)
    assert prompt(at) == ""  # not transcribed yet: Do it all will

    at.button(key="run_all").click().run()
    finish_runs(at)
    [saved] = build_services(load_settings()).records.search(query=HistoryQuery()).records
    assert saved.language == "de" and saved.transcript == transcript(at)
    assert saved.prompt == translation_of(transcript(at)) == prompt(at)
    assert "translate" in saved.timings_ms
    at.button(key="undo_prompt").click().run()
    assert prompt(at) == transcript(at)
