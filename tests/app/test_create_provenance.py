"""A record carries the recording's transcript only while its prompt still comes from that recording."""

from __future__ import annotations

from tests.app.conftest import finish_runs, page
from tests.app.test_create_page import HOUSE, card_key, in_use, record, saved_records


def generate_and_save(at):
    at.button(key="generate").click().run()
    finish_runs(at)
    assert not at.exception and not at.error
    at.button(key=card_key(at, "save")).click().run()
    return saved_records().records[0]


def test_a_typed_prompt_that_replaced_the_transcript_is_saved_without_it(create_page_models):
    at = page("pages/create.py", timeout=180).run()
    record(at, HOUSE)
    assert "house" in at.text_area(key="prompt").value.lower()

    at.text_area(key="prompt").set_value("a lighthouse in a storm").run()
    assert "no longer comes from the recording" in in_use(at)
    saved = generate_and_save(at)

    assert saved.prompt == "a lighthouse in a storm"
    assert saved.transcript is None and saved.language is None and saved.speech_model is None
    assert "transcribe" not in saved.timings_ms


def test_a_transcript_with_one_word_edited_is_saved_with_it(create_page_models):
    at = page("pages/create.py", timeout=180).run()
    record(at, HOUSE)
    spoken = at.text_area(key="prompt").value
    words = spoken.split()
    edited = " ".join([*words[:-1], "tonight."])

    at.text_area(key="prompt").set_value(edited).run()
    assert "transcribed from the recording" in in_use(at)
    saved = generate_and_save(at)

    assert saved.prompt == edited
    assert saved.transcript == spoken and saved.language == "en"
    assert "transcribe" in saved.timings_ms
