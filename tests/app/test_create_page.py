"""The Create page, driven like a person would, against real adapters on loopback and tiny models."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.app.services import build_services
from core.config.settings import load_settings
from core.domain.records import HistoryQuery
from tests.app.conftest import finish_runs, page
from tests.fakes import tone
from tests.fixtures.replicate_server import HELD

CLIPS = Path(__file__).resolve().parents[1] / "fixtures" / "audio"
HOUSE = (CLIPS / "house_16k_mono.wav").read_bytes()
SEA = (CLIPS / "sea.flac").read_bytes()


@pytest.fixture
def configured(create_page_models):
    return create_page_models


def saved_records():
    return build_services(load_settings()).records.search(query=HistoryQuery(limit=100))


def newest_run(at: AppTest):
    return at.session_state["_runs"][0]


def card_key(at: AppTest, action: str, index: int = 0, run: int = 0) -> str:
    return f"{action}_{at.session_state['_runs'][run].id[:8]}_{index}"


def record(at: AppTest, wav: bytes = HOUSE) -> AppTest:
    return at.audio_input(key="rec").set_value(("clip.wav", wav, "audio/wav")).run()


def earlier_drafts(at: AppTest) -> list:
    return [e for e in at.expander if e.label.startswith("Earlier")]


def in_use(at: AppTest) -> str:
    return next(i.value for i in at.info if "In use" in i.value or "Record or upload" in i.value)


def test_finished_recording_is_transcribed_at_once_then_drawn_captioned_and_saved_once(configured):
    at = page("pages/create.py", timeout=180).run()
    assert at.toggle(key="auto_transcribe").value is True

    record(at)  # no Transcribe click: the recording stopping is enough

    assert not at.exception
    assert "house" in at.text_area(key="prompt").value.lower()
    assert "transcribed from the recording" in in_use(at)
    assert at.button(key="transcribe").label == "Transcribe again"

    at.button(key="generate").click().run()
    finish_runs(at)
    assert not at.exception and not at.error
    assert len(at.get("image")) == 1
    assert configured.created[-1].body["input"]["prompt"] == at.text_area(key="prompt").value

    at.button(key=card_key(at, "save")).click().run()
    page_of_records = saved_records()
    assert page_of_records.total == 1
    saved = page_of_records.records[0]
    assert "house" in (saved.transcript or "").lower() and saved.description
    assert any("Saved as #" in s.value for s in at.success)
    at.run()
    at.run()
    assert saved_records().total == 1


def test_upload_is_transcribed_when_it_arrives_and_do_it_all_saves_every_image(configured):
    at = page("pages/create.py", timeout=180).run()
    at.file_uploader(key="upload").set_value(("sea.flac", SEA, "audio/flac")).run()
    assert "sun" in at.text_area(key="prompt").value.lower()
    assert r"the upload sea\.flac" in in_use(at)  # the file name escaped: markdown shows it as typed

    at.slider(key="num_outputs").set_value(2).run()
    at.button(key="run_all").click().run()
    finish_runs(at)

    assert not at.exception and not at.error
    assert saved_records().total == 2
    assert len([s for s in at.success if "Saved as #" in s.value]) == 2


def test_with_the_toggle_off_a_recording_waits_and_the_transcribe_button_does_it(configured):
    at = page("pages/create.py", timeout=180).run()
    at.toggle(key="auto_transcribe").set_value(False).run()

    record(at)
    assert at.text_area(key="prompt").value == ""
    assert "not transcribed yet" in in_use(at)

    at.button(key="transcribe").click().run()
    assert "house" in at.text_area(key="prompt").value.lower()


def test_audio_not_yet_transcribed_wins_over_older_text_in_the_prompt_box(configured):
    at = page("pages/create.py", timeout=180).run()
    at.toggle(key="auto_transcribe").set_value(False).run()
    at.text_area(key="prompt").set_value("an old idea about a lighthouse").run()
    record(at)

    at.button(key="generate").click().run()
    finish_runs(at)

    sent = configured.created[-1].body["input"]["prompt"]
    assert "house" in sent.lower() and "lighthouse" not in sent
    assert at.text_area(key="prompt").value == sent  # the words now in the box are what was drawn
    assert "transcribed from the recording" in in_use(at)


def test_once_transcribed_the_edited_prompt_wins(configured):
    at = page("pages/create.py", timeout=180).run()
    record(at)
    at.text_area(key="prompt").set_value("A big house with a green door at night").run()

    at.button(key="generate").click().run()
    finish_runs(at)

    assert configured.created[-1].body["input"]["prompt"] == "A big house with a green door at night"


def test_the_most_recent_input_is_the_one_in_use(configured):
    at = page("pages/create.py", timeout=180).run()
    at.file_uploader(key="upload").set_value(("sea.flac", SEA, "audio/flac")).run()
    assert "sun" in at.text_area(key="prompt").value.lower()

    record(at)

    assert "house" in at.text_area(key="prompt").value.lower()
    assert "the recording" in in_use(at)


def test_a_second_generate_while_one_runs_is_refused_and_only_one_prediction_is_made(configured):
    configured.queue(HELD)  # in flight until every click below has reached the server
    at = page("pages/create.py", timeout=180).run()
    at.text_area(key="prompt").set_value("a red kite").run()

    at.button(key="generate").click().run()
    assert at.button(key="generate").disabled and at.button(key="run_all").disabled
    # Clicks that reach the server before the browser has drawn the buttons disabled:
    for key in ("generate", "run_all"):
        button = at.button(key=key)
        button.proto.disabled = False  # as the browser still showed it
        button.click().run()

    assert len(configured.created) <= 1, "the ignored clicks made no prediction"  # the worker may not have posted yet
    configured.release_held()
    finish_runs(at)
    assert len(configured.created) == 1
    assert len(at.get("image")) == 1
    assert not at.button(key="generate").disabled


def test_newest_results_are_on_top_and_earlier_unsaved_drafts_wait_below_with_their_prompts(configured):
    at = page("pages/create.py", timeout=180).run()
    for prompt in ("a red kite", "a blue boat"):
        at.text_area(key="prompt").set_value(prompt).run()
        at.button(key="generate").click().run()
        finish_runs(at)

    assert any("a blue boat" in c.value for c in at.caption if c.value.startswith("Prompt:"))
    [earlier] = earlier_drafts(at)
    assert "a red kite" in earlier.label and len(at.get("image")) == 2

    at.button(key=card_key(at, "discard", run=1)).click().run()
    assert earlier_drafts(at) == [] and len(at.get("image")) == 1


def test_reuse_settings_restores_prompt_options_and_optionally_the_seed(configured):
    at = page("pages/create.py", timeout=180).run()
    at.text_area(key="prompt").set_value("a castle").run()
    at.selectbox(key="aspect_ratio").set_value("16:9").run()
    at.selectbox(key="output_format").set_value("png").run()
    at.slider(key="output_quality").set_value(55).run()
    at.selectbox(key="megapixels").set_value("0.25").run()
    at.button(key="generate").click().run()
    finish_runs(at)
    seed = configured.created[-1].body["input"]["seed"]
    assert isinstance(seed, int) and 0 <= seed < 2**32  # picked by the app, sent, shown
    assert any(f"seed {seed}" in c.value for c in at.caption)

    at.text_area(key="prompt").set_value("something else").run()
    at.selectbox(key="aspect_ratio").set_value("1:1").run()
    at.checkbox(key=card_key(at, "reuse_seed")).check().run()
    at.button(key=card_key(at, "reuse")).click().run()

    assert at.text_area(key="prompt").value == "a castle"
    assert (at.selectbox(key="aspect_ratio").value, at.selectbox(key="output_format").value) == ("16:9", "png")
    assert (at.slider(key="output_quality").value, at.selectbox(key="megapixels").value) == (55, "0.25")
    assert at.number_input(key="seed").value == seed

    # Saved, the same settings come back through History's "Reuse settings".
    at.button(key=card_key(at, "save")).click().run()
    [saved] = saved_records().records
    assert (saved.output_quality, saved.megapixels, saved.seed) == (55, "0.25", seed)
    history = page("pages/history.py")
    history.query_params["view"] = "table"
    history.run()
    history.session_state["history_table"] = {"selection": {"rows": [0], "columns": []}}
    history.run()
    history.checkbox(key="history_reuse_seed").check().run()
    history.button(key="history_reuse").click().run()
    assert history.session_state["reuse_settings"].settings == {
        "prompt": "a castle",
        "aspect_ratio": "16:9",
        "output_format": "png",
        "output_quality": 55,
        "megapixels": "0.25",
        "seed": seed,
    }


def test_typed_prompt_works_without_any_audio(configured):
    at = page("pages/create.py", timeout=120).run()
    at.text_area(key="prompt").set_value("A lighthouse at dusk 🌅 مرحبا <b>bold</b>").run()
    assert "the prompt you typed" in in_use(at)
    at.button(key="generate").click().run()
    finish_runs(at)
    assert not at.error
    assert configured.created[-1].body["input"]["prompt"] == "A lighthouse at dusk 🌅 مرحبا <b>bold</b>"


def test_missing_token_is_explained_and_nothing_is_generated(data_dir, fake_replicate, monkeypatch):
    monkeypatch.setenv("REPLICATE_BASE_URL", fake_replicate.base_url)
    at = page("pages/create.py").run()
    assert any("REPLICATE_API_TOKEN" in e.value for e in at.error)
    at.text_area(key="prompt").set_value("a red kite").run()
    at.button(key="generate").click().run()
    finish_runs(at)
    assert not at.exception
    assert any("REPLICATE_API_TOKEN" in e.value for e in at.error)
    assert fake_replicate.requests == []
    assert len(at.get("image")) == 0


def test_silent_recording_asks_to_check_the_microphone(configured):
    at = page("pages/create.py").run()
    record(at, tone(2.0, amplitude=0.0))
    assert not at.exception
    assert any("silent" in e.value for e in at.error)
