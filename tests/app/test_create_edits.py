"""Create in AppTest: a spoken instruction changes a result; the edit shows beside it and saves as its child."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.app.services import build_services
from core.config.settings import load_settings
from core.domain.records import HistoryQuery
from tests.app.conftest import finish_runs, page

CLIPS = Path(__file__).resolve().parents[1] / "fixtures" / "audio"
HOUSE = (CLIPS / "house_16k_mono.wav").read_bytes()
SEA = (CLIPS / "sea.flac").read_bytes()
PANEL = "create_edit"


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


def test_a_spoken_instruction_changes_a_result_which_is_saved_first_and_the_edit_becomes_its_child(configured):
    at = generated(page("pages/create.py", timeout=180).run())
    run_id = at.session_state["_runs"][0].id[:8]

    at.button(key=f"pick_edit_{run_id}_0").click().run()
    at.file_uploader(key=f"{PANEL}_upload").set_value(("sea.flac", SEA, "audio/flac")).run()
    instruction = at.text_area(key=f"{PANEL}_text").value
    assert instruction.strip(), "the spoken instruction was not transcribed into the box"

    at.button(key=f"{PANEL}_go").click().run()
    at.run()  # a rerun while the edit is being made pays for nothing more
    finish_edit(at)

    assert not at.exception and not at.error
    edits = [r for r in configured.created if "flux-kontext" in r.path]
    assert len(edits) == 1
    (source,) = saved()  # the result was saved first, so the edit can point back at it
    assert any(c.value == f"Source #{source.id}" for c in at.caption)
    at.button(key=f"{PANEL}_save").click().run()
    records = {r.id: r for r in saved()}
    child = next(r for r in records.values() if r.id != source.id)
    assert child.parent_id == source.id and child.edit_instruction == instruction.strip()
    assert child.transcript and child.description

    at.button(key=f"{PANEL}_continue").click().run()  # editing the edit continues the chain
    assert at.session_state["_create_edit_target"] == ("record", child.id)
    assert not at.exception and at.button(key=f"{PANEL}_go")


def test_two_results_compare_side_by_side_with_their_differences(configured):
    at = generated(page("pages/create.py", timeout=180).run(), "a red kite")
    at = generated(at, "a blue kite")

    picker = at.multiselect(key="create_compare_pick")
    assert picker.options == ["Result 1", "Result 2"]
    picker.set_value([f"{run.id}:0" for run in reversed(at.session_state["_runs"])]).run()

    assert not at.exception
    texts = [t.value for t in at.text]
    assert "a red kite" in texts and "a blue kite" in texts
    assert any(m.value == ":orange-background[**Prompt** differs]" for m in at.markdown)
