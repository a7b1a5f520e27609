"""History as a team gallery in AppTest: stars, tags, authors, bulk actions, kept filters, the detail dialog."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from core.app.services import build_services
from core.config.settings import load_settings
from core.db.engine import create_engine_for
from core.db.schema import ImageRecord
from tests.app.conftest import page
from tests.app.gallery_grid import click_card, grid_cards
from tests.app.test_history_page import HISTORY, in_table, prompts_shown, run_history, seed_records, select_row


def repository():
    return build_services(load_settings(), run_migrations=False).records


def select_rows(at: AppTest, *rows: int) -> AppTest:
    in_table(at)
    at.session_state["history_table"] = {"selection": {"rows": list(rows), "columns": []}}
    return at.run()


def test_starred_only_keeps_starred_records_and_goes_into_the_link(data_dir: Path) -> None:
    kite, _boat = seed_records(["a kite", "a boat"])
    repository().set_starred(record_ids=[kite.id], starred=True)

    at = run_history()
    at.toggle(key="history_starred").set_value(True).run()

    assert prompts_shown(at) == ["a kite"]
    assert at.query_params["starred"] == "1"
    assert list(run_history(starred="1").dataframe[0].value["starred"]) == ["★"]


def test_tag_filter_lists_tags_in_use_with_counts_and_needs_every_tag(data_dir: Path) -> None:
    kite, boat, _tower = seed_records(["a kite", "a boat", "a tower"])
    repository().add_tags(record_ids=[kite.id, boat.id], tags=["red"])
    repository().add_tags(record_ids=[kite.id], tags=["sky"])

    at = run_history()
    tags = at.multiselect(key="history_tags")
    assert tags.options == ["red (2)", "sky (1)"]
    tags.set_value(["red", "sky"]).run()

    assert prompts_shown(at) == ["a kite"]
    assert at.query_params["tag"] == "red,sky"
    assert sorted(prompts_shown(run_history(tag="red"))) == ["a boat", "a kite"]


def test_made_by_filter_offers_every_author_and_links_by_name(data_dir: Path) -> None:
    from sqlalchemy import update

    from core.db.engine import create_engine_for
    from core.db.schema import ImageRecord

    kite, _boat = seed_records(["a kite", "a boat"])
    engine = create_engine_for(load_settings().database_url)
    with engine.begin() as connection:
        connection.execute(update(ImageRecord).where(ImageRecord.id == kite.id).values(created_by="ana"))
    engine.dispose()

    at = run_history()
    by = at.selectbox(key="history_by")
    assert by.options == ["Anyone", "ana"]
    by.set_value("ana").run()

    assert prompts_shown(at) == ["a kite"]
    assert at.query_params["by"] == "ana"
    assert prompts_shown(run_history(by="ana")) == ["a kite"]


def test_clear_filters_is_always_there_and_empties_every_filter(data_dir: Path) -> None:
    seed_records(["a fox", "a hen"])

    at = run_history(q="fox", starred="1", since="2020-01-01")
    assert at.button(key="history_clear_filters")  # present with matches too
    at.button(key="history_clear_filters").click().run()

    assert sorted(prompts_shown(at)) == ["a fox", "a hen"]
    assert at.date_input(key="history_since").value is None
    assert not at.toggle(key="history_starred").value
    assert "q" not in at.query_params and "starred" not in at.query_params


def test_a_set_date_can_be_emptied_again(data_dir: Path) -> None:
    seed_records(["a fox"])

    at = run_history(since="2099-01-01")
    assert not at.dataframe
    at.date_input(key="history_since").set_value(None).run()

    assert prompts_shown(at) == ["a fox"]
    assert "since" not in at.query_params


def test_detail_opens_in_a_dialog_and_steps_through_the_results(data_dir: Path) -> None:
    seed_records(["first", "second", "third"])

    at = select_row(run_history(), 1)
    assert [s.value for s in at.subheader] == ["Image #2"]
    at.button(key="history_detail_next").click().run()
    assert [s.value for s in at.subheader] == ["Image #1"]
    assert at.button(key="history_detail_next").disabled
    at.button(key="history_detail_previous").click().run()
    at.button(key="history_detail_previous").click().run()
    assert [s.value for s in at.subheader] == ["Image #3"]
    assert at.button(key="history_detail_previous").disabled


def test_star_and_tags_from_the_detail(data_dir: Path) -> None:
    (kite,) = seed_records(["a kite"])

    at = select_row(run_history(), 0)
    at.button(key="history_detail_star").click().run()
    at.text_input(key="history_detail_tags").input("Sky, poster").run()
    at.button(key="history_detail_tag_add").click().run()

    stored = repository().get(record_id=kite.id)
    assert stored.starred and stored.tags == ("poster", "sky")
    assert at.button(key="history_detail_star").label == "Starred"
    at.text_input(key="history_detail_tags").input("poster").run()
    at.button(key="history_detail_tag_remove").click().run()
    assert repository().get(record_id=kite.id).tags == ("sky",)


def test_star_from_a_gallery_card(data_dir: Path) -> None:
    kite, boat = seed_records(["a kite", "a boat"])

    at = run_history(view="gallery")
    click_card(at, "star", {"id": boat.id, "starred": True})

    assert repository().get(record_id=boat.id).starred
    assert [card["starred"] for card in grid_cards(at)] == [True, False]  # newest first: the boat
    assert not repository().get(record_id=kite.id).starred


def test_bulk_star_and_tag_act_on_the_selected_table_rows(data_dir: Path) -> None:
    one, two, three = seed_records(["one", "two", "three"])

    at = select_rows(run_history(), 0, 2)  # newest first: three, then one
    assert "2 selected" in " ".join(m.value for m in at.markdown)
    at.button(key="history_bulk_star").click().run()
    assert {r.id for r in repository().search(query=_starred()).records} == {one.id, three.id}

    at = select_rows(at, 0, 1)
    at.text_input(key="history_bulk_tags").input("team red").run()
    at.button(key="history_bulk_tag_add").click().run()
    assert [r.tags for r in (repository().get(record_id=i) for i in (one.id, two.id, three.id))] == [
        (),
        ("team red",),
        ("team red",),
    ]


def _starred():
    from core.domain.records import HistoryQuery

    return HistoryQuery(starred=True)


def test_bulk_delete_names_the_count_and_removes_rows_and_files(data_dir: Path) -> None:
    keep, gone_a, gone_b = seed_records(["keep", "gone a", "gone b"])
    images = data_dir / "images"

    at = run_history(view="gallery")
    click_card(at, "pick", {"id": gone_a.id, "on": True})
    click_card(at, "pick", {"id": gone_b.id, "on": True})
    # "Delete…" opens a popover that asks first, naming the count; nothing is gone before the confirmation.
    assert any("Delete 2 images" in m.value for m in at.markdown)
    assert (images / gone_a.image_filename).exists()

    at.button(key="history_bulk_delete_confirm").click().run()

    assert "Deleted 2 images" in at.success[0].value
    assert [card["id"] for card in grid_cards(at)] == [keep.id]
    left = sorted(p.relative_to(images).as_posix() for p in images.rglob("*") if p.is_file())
    assert left == sorted([keep.image_filename, str(keep.thumbnail_filename)])


def test_bulk_zip_holds_the_selected_images_and_records_csv(data_dir: Path) -> None:
    from ui.history.actions import zip_of
    from ui.resources import services

    first, second = seed_records(["first", "second"])
    at = select_rows(run_history(), 0, 1)
    assert next(b.proto.label for b in at.get("download_button")) == "ZIP"

    data = zip_of(services(), [first, second])()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == ["image-1.png", "image-2.png", "records.csv"]


def test_download_of_a_missing_file_is_disabled_with_the_reason(data_dir: Path) -> None:
    (lost,) = seed_records(["lost"])
    (data_dir / "images" / lost.image_filename).unlink()

    at = select_row(run_history(), 0)

    button = at.get("download_button")[-1]
    assert button.proto.disabled
    assert "missing from storage" in at.warning[0].value
    assert not at.exception


def test_history_opens_as_a_gallery_and_the_table_is_one_click_away(data_dir: Path) -> None:
    seed_records(["a kite", "a boat", "a tower"])

    at = page(HISTORY).run()

    assert not at.exception
    assert not at.dataframe and len(grid_cards(at)) == 3
    assert at.radio(key="history_view").value == "gallery" and "view" not in at.query_params
    at.radio(key="history_view").set_value("table").run()
    assert list(at.dataframe[0].value["prompt"]) == ["a tower", "a boat", "a kite"]
    assert at.query_params["view"] == "table"
    assert run_history(view="table").dataframe, "old links to the table keep working"


def test_select_all_ticks_every_card_on_the_page_and_clear_empties_it(data_dir: Path) -> None:
    records = seed_records(["a kite", "a boat", "a tower"])
    at = page(HISTORY).run()
    assert any("Tick cards" in m.value for m in at.markdown)  # the bar is there before anything is selected

    at.button(key="history_select_all").click().run()

    assert [card["selected"] for card in grid_cards(at)] == [True, True, True]
    assert any(m.value == "**3 selected**" for m in at.markdown)
    assert at.button(key="history_select_all").disabled
    at.button(key="history_select_none").click().run()
    assert not any(card["selected"] for card in grid_cards(at))
    assert {card["id"] for card in grid_cards(at)} == {record.id for record in records}


def test_a_card_shows_the_prompts_first_line_its_number_tags_and_what_it_is_in_its_family(data_dir: Path) -> None:
    original, edit = seed_records(["a lighthouse\nwith a long second line", "a lighthouse at night"])
    repository().add_tags(record_ids=[original.id], tags=["coast"])
    engine = create_engine_for(load_settings().database_url)
    with engine.begin() as connection:
        connection.execute(update(ImageRecord).where(ImageRecord.id == edit.id).values(parent_id=original.id))
    engine.dispose()

    at = page(HISTORY).run()

    newest, oldest = grid_cards(at)
    assert (newest["id"], newest["title"], newest["tags"]) == (edit.id, "a lighthouse at night", [])
    assert newest["badges"] == [{"label": f"edit of #{original.id}", "kind": "edit"}]
    assert (oldest["id"], oldest["title"], oldest["tags"]) == (original.id, "a lighthouse", ["coast"])
    assert oldest["badges"] == [{"label": "has edits", "kind": "edits"}]


def test_a_card_click_naming_an_image_not_on_the_page_changes_nothing(data_dir: Path) -> None:
    """The grid's clicks come from the browser: an id that is not one of the page's cards is ignored."""
    kite, boat, tower = seed_records(["a kite", "a boat", "a tower"])
    at = run_history(view="gallery", q="kite")

    click_card(at, "star", {"id": boat.id, "starred": True})
    click_card(at, "pick", {"id": tower.id, "on": True})
    click_card(at, "open", boat.id)
    click_card(at, "pick", {"id": str(kite.id), "on": True})  # not a number

    assert not at.exception
    assert not repository().get(record_id=boat.id).starred
    assert [card["selected"] for card in grid_cards(at)] == [False]
    assert "history_open_id" not in at.session_state and not at.subheader


def test_a_tick_then_a_shift_click_selects_the_range_between_and_untick_takes_one_out(data_dir: Path) -> None:
    records = seed_records([f"a lantern {n}" for n in range(6)])
    newest_first = [record.id for record in reversed(records)]
    at = page(HISTORY).run()

    click_card(at, "pick", {"id": newest_first[1], "on": True})
    click_card(at, "pick", {"id": newest_first[4], "range": True})
    assert [card["selected"] for card in grid_cards(at)] == [False, True, True, True, True, False]
    assert any(m.value == "**4 selected**" for m in at.markdown)

    click_card(at, "pick", {"id": newest_first[2], "on": False})
    assert [card["selected"] for card in grid_cards(at)] == [False, True, False, True, True, False]
