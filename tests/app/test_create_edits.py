"""Create in AppTest: the edit loop (a result changed, the edit beside it, kept changing into a chain) and
compare over every image of the session."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.app.services import build_services
from core.config.settings import load_settings
from core.domain.records import HistoryQuery
from tests.app.conftest import finish_runs, page
from ui.create.state import EditTarget

CLIPS = Path(__file__).resolve().parents[1] / "fixtures" / "audio"
SEA = (CLIPS / "sea.flac").read_bytes()
PANEL = "create_edit"
DATE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d UTC$")


@pytest.fixture
def configured(create_page_models):
    return create_page_models


def saved():
    return build_services(load_settings()).records.search(query=HistoryQuery(limit=100)).records


def generated(at: AppTest, prompt: str = "a small house by a lake") -> AppTest:
    at.text_area(key="prompt").set_value(prompt)
    at.button(key="generate").click().run()
    return finish_runs(at)


def finish_edit(at: AppTest) -> AppTest:
    assert at.session_state["_edit_runs"][PANEL].wait(120), "the edit did not finish in time"
    return at.run()


def picked(at: AppTest) -> AppTest:
    run_id = at.session_state["_runs"][0].id[:8]
    return at.button(key=f"pick_edit_{run_id}_0").click().run()


def edited(at: AppTest, instruction: str) -> AppTest:
    at.text_area(key=f"{PANEL}_text").set_value(instruction)
    at.button(key=f"{PANEL}_go").click().run()
    return finish_edit(at)


def kontext_calls(fake) -> int:
    return len([r for r in fake.created if "flux-kontext" in r.path])


def test_a_spoken_instruction_changes_a_result_which_is_saved_first_and_the_edit_becomes_its_child(configured):
    at = picked(generated(page("pages/create.py", timeout=180).run()))
    at.file_uploader(key=f"{PANEL}_upload").set_value(("sea.flac", SEA, "audio/flac")).run()
    instruction = at.text_area(key=f"{PANEL}_text").value
    assert instruction.strip(), "the spoken instruction was not transcribed into the box"

    at.button(key=f"{PANEL}_go").click().run()
    at.run()  # a rerun while the edit is being made pays for nothing more
    finish_edit(at)

    assert not at.exception and not at.error
    assert kontext_calls(configured) == 1
    (source,) = saved()  # the result was saved first, so the edit can point back at it
    assert any(c.value == f"Source #{source.id}" for c in at.caption)
    at.button(key=f"{PANEL}_save").click().run()
    records = {r.id: r for r in saved()}
    child = next(r for r in records.values() if r.id != source.id)
    assert child.parent_id == source.id and child.edit_instruction == instruction.strip()
    assert child.transcript and child.description


def test_the_panel_names_and_shows_its_source_before_the_first_edit(configured):
    at = picked(generated(page("pages/create.py", timeout=180).run()))

    assert not at.exception
    assert any(h.value == "Edit" for h in at.subheader)
    assert any(c.value.startswith("Source: Result 1, not saved yet") for c in at.caption)
    assert len(at.get("image")) == 2  # the result's card and the panel's source


def test_after_an_edit_the_box_is_empty_and_keep_changing_makes_the_edit_the_next_source(configured):
    at = edited(picked(generated(page("pages/create.py", timeout=180).run())), "make it night")

    assert at.text_area(key=f"{PANEL}_text").value == ""  # one more click must not pay for the same words
    at.button(key=f"{PANEL}_go").click().run()  # and indeed it pays for nothing
    assert kontext_calls(configured) == 1 and any("what to change first" in i.value for i in at.info)

    # Offered at once, unsaved: keeping on changing saves the edit, which becomes the panel's source.
    at.button(key=f"{PANEL}_continue").click().run()
    (source,) = [r for r in saved() if r.parent_id is None]
    (child,) = [r for r in saved() if r.parent_id == source.id]
    assert at.session_state["_create_edit_target"] == EditTarget.record(child.id)
    assert any(c.value == f"Source: Edit 1 of #{source.id} (#{child.id})" for c in at.caption)

    edited(at, "add a red kite")
    at.button(key=f"{PANEL}_save").click().run()
    (grandchild,) = [r for r in saved() if r.parent_id == child.id]
    assert grandchild.edit_instruction == "add a red kite"
    assert not at.exception


def test_generate_keeps_the_panel_and_the_instruction_waiting_in_it(configured):
    at = edited(picked(generated(page("pages/create.py", timeout=180).run())), "make it night")
    at.text_area(key=f"{PANEL}_text").set_value("add snow").run()

    generated(at, "a blue boat")  # the source was saved by the edit, so its run leaves Results

    assert not at.exception
    assert at.text_area(key=f"{PANEL}_text").value == "add snow"
    (source,) = [r for r in saved() if r.parent_id is None]
    assert at.session_state["_create_edit_target"] == EditTarget.record(source.id)
    at.button(key=f"{PANEL}_go").click().run()
    finish_edit(at)
    at.button(key=f"{PANEL}_save").click().run()
    assert {r.edit_instruction for r in saved() if r.parent_id == source.id} == {"add snow"}


def test_a_failed_edit_gives_its_instruction_back(configured):
    at = picked(generated(page("pages/create.py", timeout=180).run()))
    configured.queue("failed")
    edited(at, "make it night")

    assert at.text_area(key=f"{PANEL}_text").value == "make it night"
    assert not at.exception


def test_compare_lists_two_edits_of_one_image_and_the_saved_result_with_its_date(configured):
    at = edited(picked(generated(page("pages/create.py", timeout=180).run(), "a red kite")), "make it night")
    edited(at, "make it snow")  # a second edit of the same result replaces the first in the panel, not in compare
    (source,) = saved()

    picker = at.multiselect(key="create_compare_pick")
    assert picker.options == [f"Result 1 (#{source.id})", f"Edit 1 of #{source.id}", f"Edit 2 of #{source.id}"]
    result = f"{at.session_state['_runs'][0].id}:0"
    edits = [f"edit:{PANEL}:{edit.id}" for _, edit in at.session_state["_edits_made"]]
    picker.set_value([result, *edits]).run()

    assert not at.exception
    dates = [t.value for t in at.text if DATE.match(t.value or "")]
    assert len(dates) == 1  # the saved result's date; the unsaved edits have none yet
    assert [t.value for t in at.text].count("not saved yet") == 2
    assert "make it night" in [t.value for t in at.text] and "make it snow" in [t.value for t in at.text]
    assert "🔗 Share this image" in [p.proto.popover.label for p in at.get("popover")]
