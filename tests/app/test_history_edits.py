"""History in AppTest: "Change this image" in the detail, "Edited from #N", the family strip, ?family=N, compare."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from core.app.services import build_services
from core.config.settings import load_settings
from core.db.engine import create_engine_for
from core.db.schema import ImageRecord
from core.domain.records import HistoryQuery, ImageRecordView
from tests.app.conftest import page
from tests.app.gallery_grid import click_card
from tests.app.shown_text import as_read
from tests.app.test_history_page import HISTORY, in_table, page_services_with, seed_records
from tests.fakes import FakeCaptioner
from tests.fixtures.replicate_server import HELD, Scenario

HOSTILE = "**x** [a](http://example.com) ![t](http://example.com/t.png)"


@pytest.fixture
def edit_ready(data_dir: Path, fake_replicate, monkeypatch: pytest.MonkeyPatch):
    """History on the embedded defaults, the fake Replicate for edits; captions by a fake (no model to load)."""
    monkeypatch.setenv("REPLICATE_API_TOKEN", fake_replicate.token)
    monkeypatch.setenv("REPLICATE_BASE_URL", fake_replicate.base_url)
    return fake_replicate


def all_records() -> list[ImageRecordView]:
    return build_services(load_settings()).records.search(query=HistoryQuery(limit=100)).records


def opened(record_id: int, **params: str) -> AppTest:
    at = page(HISTORY, timeout=60)
    for name, value in params.items():
        at.query_params[name] = value
    at.session_state["history_open_id"] = record_id
    return at


def finish_edit(at: AppTest, key: str) -> AppTest:
    run = at.session_state["_edit_runs"][key]
    assert run.wait(60), "the edit did not finish in time"
    return at.run()


def test_one_button_is_named_change_this_image_before_and_after_the_panel_opens(edit_ready) -> None:
    (source,) = seed_records(["a lighthouse at noon"])
    at = opened(source.id)
    page_services_with(FakeCaptioner())
    at.run()
    changing = [b for b in at.button if b.label == "Change this image"]
    assert [b.key for b in changing] == ["history_change"]  # the toolbar's opener
    at.button(key="history_change").click().run()
    changing = [b for b in at.button if b.label == "Change this image"]
    assert [b.key for b in changing] == [f"history_edit_{source.id}_go"]  # the paid one, alone


def test_an_edit_from_the_detail_appears_beside_its_source_and_saves_once_as_a_child(edit_ready) -> None:
    (source,) = seed_records(["a lighthouse at noon"])
    at = opened(source.id)
    page_services_with(FakeCaptioner())
    at.run()
    key = f"history_edit_{source.id}"
    at.button(key="history_change").click().run()  # "Change this image" in the detail's toolbar opens the panel

    edit_ready.queue(HELD)  # still being made when the second click comes
    at.text_area(key=f"{key}_text").set_value("make it night")
    at.button(key=f"{key}_go").click().run()
    at.button(key=f"{key}_go").click().run()  # the second click of a double click
    assert any("that click was ignored" in i.value for i in at.info)
    edit_ready.release_held()
    finish_edit(at, key)

    assert not at.exception and not at.error
    assert len(edit_ready.created) == 1, "two clicks paid for two predictions"
    assert any(c.value == f"Source #{source.id}" for c in at.caption)
    assert "make it night" in [t.value for t in at.text]
    at.button(key=f"{key}_save").click().run()
    at.run()
    records = all_records()
    assert len(records) == 2
    child = next(r for r in records if r.id != source.id)
    assert (child.parent_id, child.edit_instruction) == (source.id, "make it night")
    assert any(f"Saved as #{child.id}" in s.value for s in at.success)


def test_an_edit_without_an_instruction_or_token_says_what_to_do_and_pays_nothing(
    data_dir: Path, fake_replicate, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REPLICATE_BASE_URL", fake_replicate.base_url)
    (source,) = seed_records(["a lighthouse at noon"])
    at = opened(source.id).run()
    key = f"history_edit_{source.id}"
    at.button(key="history_change").click().run()  # "Change this image" in the detail's toolbar opens the panel

    at.button(key=f"{key}_go").click().run()
    assert any("what to change" in i.value for i in at.info)

    at.text_area(key=f"{key}_text").set_value("make it night")
    at.button(key=f"{key}_go").click().run()
    assert any("REPLICATE_API_TOKEN" in as_read(e.value) for e in at.error)
    assert fake_replicate.requests == []  # not even the free checks: the token is missing
    assert "_edit_runs" not in at.session_state or not at.session_state["_edit_runs"]
    assert len(all_records()) == 1


def test_a_refused_edit_explains_itself_and_saves_nothing(edit_ready) -> None:
    (source,) = seed_records(["a lighthouse at noon"])
    edit_ready.queue("nsfw")
    at = opened(source.id)
    page_services_with(FakeCaptioner())
    at.run()
    key = f"history_edit_{source.id}"
    at.button(key="history_change").click().run()  # "Change this image" in the detail's toolbar opens the panel
    at.text_area(key=f"{key}_text").set_value("make it night")
    at.button(key=f"{key}_go").click().run()
    finish_edit(at, key)

    assert any("safety filter" in e.value for e in at.error)
    assert len(all_records()) == 1


def family_of_three() -> list[ImageRecordView]:
    """A first image, an edit of it, and an edit of that edit (made without paying for edits)."""
    first, second, third = seed_records(["a lighthouse", "a lighthouse at night", "a lighthouse at night in snow"])
    engine = create_engine_for(load_settings().database_url)
    with engine.begin() as connection:
        for child, parent, instruction in ((second, first, "night"), (third, second, "snow")):
            connection.execute(
                update(ImageRecord)
                .where(ImageRecord.id == child.id)
                .values(parent_id=parent.id, edit_instruction=instruction)
            )
    engine.dispose()
    return [first, second, third]


def test_the_detail_says_edited_from_and_shows_the_family_whose_members_open(data_dir: Path) -> None:
    first, second, third = family_of_three()
    seed_records(["a stranger"])
    at = opened(second.id).run()

    assert not at.exception
    assert any(f"Edited from #{first.id}" in m.value for m in at.markdown)
    labels = [c.value for c in at.caption]
    assert f"#{first.id} · original" in labels and f"#{third.id} · edit of #{second.id}" in labels
    assert f"#{second.id} · edit of #{first.id} · this image" in labels

    at.button(key=f"history_family_open_{third.id}").click().run()
    assert at.session_state["history_open_id"] == third.id


def test_a_family_link_lists_the_whole_family_from_any_member(data_dir: Path) -> None:
    first, second, third = family_of_three()
    seed_records(["a stranger"])

    at = page(HISTORY)
    at.query_params["view"] = "table"
    at.query_params["family"] = str(third.id)
    at.run()

    assert not at.exception
    assert sorted(at.dataframe[0].value["id"]) == [first.id, second.id, third.id]
    assert any(f"family of edits of image #{third.id}" in i.value for i in at.info)
    at.button(key="history_family_clear").click().run()
    assert len(at.dataframe[0].value) == 4


def test_a_compare_link_shows_the_images_side_by_side_with_differences_and_no_markdown(data_dir: Path) -> None:
    plain, hostile = seed_records(["a red kite", HOSTILE], seed=7)

    at = page(HISTORY)
    at.query_params["compare"] = f"{plain.id},{hostile.id}"
    at.run()

    assert not at.exception
    texts = [t.value for t in at.text]
    assert HOSTILE in texts and "a red kite" in texts
    assert any(m.value == ":orange-background[**Prompt** differs]" for m in at.markdown)
    assert not any("Seed** differs" in m.value for m in at.markdown)
    assert not any("http://example.com" in m.value for m in at.markdown), "user text went through markdown"
    assert any(c.value == f"/history?compare={plain.id},{hostile.id}" for c in at.code)


def test_a_bad_compare_link_says_how_to_write_one(data_dir: Path) -> None:
    seed_records(["a red kite"])
    at = page(HISTORY)
    at.query_params["compare"] = "3"
    at.run()
    assert any("Compare 2 to 4" in w.value for w in at.warning)


def test_selected_images_open_in_compare(data_dir: Path) -> None:
    seed_records(["one", "two", "three"])
    at = in_table(page(HISTORY).run())
    at.session_state["history_table"] = {"selection": {"rows": [0, 2], "columns": []}}
    at.run()

    at.button(key="history_compare").click().run()

    ids = list(at.dataframe[0].value["id"])
    assert at.query_params["compare"] in (f"{ids[0]},{ids[2]}", [f"{ids[0]},{ids[2]}"])
    assert any(m.value == f"**#{ids[0]}**" for m in at.markdown)


@pytest.mark.parametrize(
    ("scenario", "setting", "advice"),
    [
        (Scenario("status_429", retry_after=120), {}, "limiting how often this account can edit images"),
        (Scenario("status_422"), {}, "refused the request as invalid"),
        (Scenario("slow"), {"REPLICATE_TIMEOUT": "2"}, "did not finish the edited image within"),
        (None, {"IMAGE_EDIT_MODEL": "someone/nothing"}, "check IMAGE_EDIT_MODEL"),
    ],
)
def test_each_failed_edit_tells_the_page_what_to_do(
    edit_ready, monkeypatch: pytest.MonkeyPatch, scenario: Scenario | None, setting: dict[str, str], advice: str
) -> None:
    for name, value in setting.items():
        monkeypatch.setenv(name, value)
    if scenario is not None:
        edit_ready.queue(scenario)
    (source,) = seed_records(["a lighthouse at noon"])
    at = opened(source.id)
    page_services_with(FakeCaptioner())
    at.run()
    key = f"history_edit_{source.id}"
    at.button(key="history_change").click().run()  # "Change this image" in the detail's toolbar opens the panel
    at.text_area(key=f"{key}_text").set_value("make it night")
    at.button(key=f"{key}_go").click().run()
    finish_edit(at, key)

    assert any(advice in as_read(e.value) for e in at.error), [e.value for e in at.error]
    assert len(edit_ready.created) <= 1 and len(all_records()) == 1


@pytest.mark.parametrize("link", ["3,%C2%B2", "3,²", "3," + "7" * 5000, "3,2147483648", "3,0"])
def test_a_hostile_compare_link_gets_a_notice_not_an_error(data_dir: Path, link: str) -> None:
    seed_records(["a red kite"])
    at = page(HISTORY)
    at.query_params["compare"] = link
    at.query_params["view"] = "table"
    at.run()

    assert not at.exception
    assert any("compare link" in w.value for w in at.warning)
    assert len(at.dataframe[0].value) == 1


@pytest.mark.parametrize("family", ["2147483648", "²", "9" * 5000])
def test_a_family_link_no_image_can_have_gets_a_notice_and_everything(data_dir: Path, family: str) -> None:
    seed_records(["a red kite", "a blue kite"])
    at = page(HISTORY)
    at.query_params["family"] = family
    at.query_params["view"] = "table"
    at.run()

    assert not at.exception and not at.error, "the database was asked for an id it cannot hold"
    assert any("family of an image that cannot exist" in w.value for w in at.warning)
    assert len(at.dataframe[0].value) == 2


def test_compare_in_the_detail_offers_the_original_of_an_edit_and_opens_the_comparison(data_dir: Path) -> None:
    first, second, _third = family_of_three()
    at = opened(second.id).run()

    assert at.text_input(key="history_compare_with").value == str(first.id)
    at.button(key="history_detail_compare_go").click().run()

    assert at.query_params["compare"] in (f"{second.id},{first.id}", [f"{second.id},{first.id}"])
    assert "history_open_id" not in at.session_state  # the comparison replaces the dialog
    assert any(m.value == f"**#{first.id}**" for m in at.markdown)


def test_a_compare_link_opens_above_the_gallery_whose_cards_still_open(data_dir: Path) -> None:
    kite, boat = seed_records(["a red kite", "a paper boat"])
    at = page(HISTORY)
    at.query_params["compare"] = f"{kite.id},{boat.id}"
    at.run()

    assert [s.value for s in at.subheader] == ["Compare"]
    assert not at.expander[0].proto.expanded, "the filters are folded under the comparison"
    click_card(at, "open", kite.id)
    assert f"Image #{kite.id}" in [s.value for s in at.subheader]
