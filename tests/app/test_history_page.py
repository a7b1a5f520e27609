"""The History page in AppTest, on the embedded defaults: a real SQLite file and a real images folder."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from core.app.images import make_thumbnail, new_object_keys
from core.app.services import Services, build_services
from core.config.settings import SpacesSettings, load_settings
from core.db.engine import create_engine_for
from core.db.schema import ImageRecord
from core.domain.errors import ModelLoadError
from core.domain.records import ImageRecordView, NewRecord
from tests.app.conftest import model_libraries_imported_by, page
from tests.app.gallery_grid import click_card, grid_cards
from tests.app.shown_text import as_read
from tests.fakes import FakeCaptioner
from ui.query_limits import WARNING

HISTORY = "pages/history.py"
DOWN_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:1/none"


def seed_records(prompts: Iterable[str], *, transcript: str | None = None, **options: object) -> list[ImageRecordView]:
    """Save one real PNG and its WebP thumbnail per prompt, through the app's own store and repository.

    `options` are further record fields (output_quality=55, seed=7, ...); left out, they are as an old row's.
    """
    current = build_services(load_settings())
    saved = []
    for n, prompt in enumerate(prompts):
        buffer = io.BytesIO()
        Image.new("RGB", (96, 64), (n * 7 % 256, 90, 160)).save(buffer, format="PNG")
        data = buffer.getvalue()
        image_key, thumbnail_key = new_object_keys("png")
        current.store.put(image_key, data, "image/png")
        current.store.put(thumbnail_key, make_thumbnail(data), "image/webp")
        record = NewRecord(
            prompt=prompt,
            image_filename=image_key,
            description=f"caption of {prompt}",
            idempotency_key=f"seed-{n}-{prompt}",
            transcript=transcript,
            thumbnail_filename=thumbnail_key,
            content_type="image/png",
            width=96,
            height=64,
            size_bytes=len(data),
            aspect_ratio="3:2",
            output_format="png",
            image_model="fake/flux",
            caption_model="fake/blip",
            timings_ms={"generate": 1500.0, "caption": 400.0, "upload": 30.0},
            **options,  # type: ignore[arg-type]
        )
        saved.append(current.records.add(record=record)[0])
    current.database.dispose()
    return saved


def set_created_at(record_id: int, when: datetime) -> None:
    engine = create_engine_for(load_settings().database_url)
    with engine.begin() as connection:
        connection.execute(update(ImageRecord).where(ImageRecord.id == record_id).values(created_at=when))
    engine.dispose()


def page_services_with(captioner: object) -> Services:
    """The page's own cached Services, built first here so its captioner can be swapped for a fake."""
    from ui.resources import services

    current = services()
    current.captioner = lambda: captioner  # type: ignore[assignment,return-value]
    current.__post_init__()  # the Pipeline is wired once, at construction: wire it again around the fake
    return current


def run_history(**params: str) -> AppTest:
    """History opened by a link with these parameters; in the table unless `view` is given (tests read its rows)."""
    params.setdefault("view", "table")
    at = page(HISTORY)
    for name, value in params.items():
        at.query_params[name] = value
    return at.run()


def prompts_shown(at: AppTest) -> list[str]:
    return list(at.dataframe[0].value["prompt"])


def captions(at: AppTest) -> list[str]:
    return [element.value for element in at.caption]


def in_table(at: AppTest) -> AppTest:
    """Switch an opened History to its table (the gallery is the default), as the View switch does."""
    if at.session_state["history_view"] != "table":
        at.radio(key="history_view").set_value("table").run()
    return at


def select_row(at: AppTest, row: int) -> AppTest:
    # AppTest 1.67 cannot click a row, but a dataframe's selection accepts writes through session state.
    in_table(at)
    at.session_state["history_table"] = {"selection": {"rows": [row], "columns": []}}
    return at.run()


def test_table_shows_a_page_of_newest_records_with_data_url_thumbnails(data_dir: Path) -> None:
    seed_records(f"a painting number {n}" for n in range(30))

    at = run_history()

    assert not at.exception
    frame = at.dataframe[0].value
    assert len(frame) == 25
    assert frame["prompt"].iloc[0] == "a painting number 29" and frame["prompt"].iloc[-1] == "a painting number 5"
    assert frame["caption"].iloc[0] == "caption of a painting number 29"
    assert all(url.startswith("data:image/webp;base64,") for url in frame["thumbnail"])
    assert frame["total_s"].iloc[0] == pytest.approx(1.93)
    assert any(text.startswith("Showing 1–25 of 30") for text in captions(at))


def test_spaces_thumbnails_are_presigned_once_and_reused_across_reruns(
    data_dir: Path, spaces_settings: SpacesSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPACES_KEY", spaces_settings.key)
    monkeypatch.setenv("SPACES_SECRET", spaces_settings.secret.reveal())
    monkeypatch.setenv("SPACES_BUCKET", spaces_settings.bucket)
    monkeypatch.setenv("SPACES_REGION", spaces_settings.region)
    monkeypatch.setenv("SPACES_ENDPOINT", spaces_settings.endpoint)
    seed_records(["a harbour", "a pier"])

    at = run_history()
    first = list(at.dataframe[0].value["thumbnail"])
    at.run()

    assert list(at.dataframe[0].value["thumbnail"]) == first
    assert all(url.startswith(f"{spaces_settings.endpoint}/") and "Signature=" in url for url in first)
    answer = httpx.get(first[0])
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/webp"
    detail = select_row(at, 0).image[0].value[0]
    assert "/images/" in detail and "Signature=" in detail  # the full image loads straight from the bucket


def test_search_box_keeps_only_matching_records_and_puts_them_in_the_link(data_dir: Path) -> None:
    seed_records(["a red apple", "a green pear", "an apple tree at dusk", "a blue car"])

    at = run_history()
    at.text_input(key="history_q").input("apple").run()

    assert sorted(prompts_shown(at)) == ["a red apple", "an apple tree at dusk"]
    assert at.query_params["q"] == "apple"


def test_percent_sign_matches_only_itself(data_dir: Path) -> None:
    seed_records(["juice that is 100% orange", "1000 oranges", "100 apples"])

    at = run_history()
    at.text_input(key="history_q").input("100%").run()

    assert prompts_shown(at) == ["juice that is 100% orange"]


def test_link_parameters_filter_the_rows_and_fill_the_widgets(data_dir: Path) -> None:
    seed_records(f"fox {n}" for n in range(14))
    seed_records(["an owl"])

    at = run_history(q="fox", sort="oldest", size="10", page="2", view="table")

    assert prompts_shown(at) == ["fox 10", "fox 11", "fox 12", "fox 13"]
    assert at.text_input(key="history_q").value == "fox"
    assert at.selectbox(key="history_sort").value == "oldest"
    assert at.selectbox(key="history_size").value == 10
    assert at.number_input(key="history_page").value == 2
    assert any(text.startswith("Showing 11–14 of 14") for text in captions(at))


def test_garbage_link_parameters_fall_back_to_defaults(data_dir: Path) -> None:
    seed_records(f"fox {n}" for n in range(3))

    at = run_history(since="last tuesday", until="2025-02-30", sort="sideways", size="7", page="-4", view="<b>")

    assert not at.exception and not at.error
    assert len(grid_cards(at)) == 3  # the gallery, the default view
    assert at.date_input(key="history_since").value is None
    assert at.selectbox(key="history_size").value == 25
    assert at.radio(key="history_view").value == "gallery"


def test_reversed_date_range_is_explained_not_crashed_on(data_dir: Path) -> None:
    seed_records(["a comet"])

    at = run_history(since="2025-03-01", until="2025-02-01")

    assert not at.exception
    assert "swap them" in at.error[0].value


def test_date_range_keeps_records_created_on_those_days(data_dir: Path) -> None:
    old, middle, new = seed_records(["from january", "from february", "from march"])
    set_created_at(old.id, datetime(2025, 1, 15, 12, tzinfo=UTC))
    set_created_at(middle.id, datetime(2025, 2, 10, 23, 59, tzinfo=UTC))
    set_created_at(new.id, datetime(2025, 3, 1, 0, 1, tzinfo=UTC))

    at = run_history()
    at.date_input(key="history_since").set_value(date(2025, 2, 1)).run()
    at.date_input(key="history_until").set_value(date(2025, 2, 28)).run()

    assert prompts_shown(at) == ["from february"]
    assert (at.query_params["since"], at.query_params["until"]) == ("2025-02-01", "2025-02-28")


def test_next_page_continues_and_a_new_filter_returns_to_page_one(data_dir: Path) -> None:
    seed_records(f"boat {n:02}" for n in range(23))

    at = run_history()
    at.selectbox(key="history_size").set_value(10).run()
    at.button(key="history_next").click().run()

    assert prompts_shown(at)[0] == "boat 12"
    assert any(text.startswith("Showing 11–20 of 23") for text in captions(at))
    at.text_input(key="history_q").input("boat").run()
    assert at.number_input(key="history_page").value == 1
    assert prompts_shown(at)[0] == "boat 22"


def test_page_number_past_the_end_shows_the_last_page(data_dir: Path) -> None:
    seed_records(f"kite {n}" for n in range(12))

    at = run_history(size="10", page="99")

    assert len(prompts_shown(at)) == 2
    assert at.number_input(key="history_page").value == 2


def test_empty_history_says_nothing_is_saved_yet(data_dir: Path) -> None:
    at = run_history()

    assert not at.exception
    assert "Nothing saved yet" in at.info[0].value
    assert not at.dataframe


def test_no_match_suggests_clearing_the_filters(data_dir: Path) -> None:
    seed_records(["a lighthouse", "a windmill"])

    at = run_history(q="submarine")
    assert "No saved image matches" in at.info[0].value
    at.button(key="history_clear_filters").click().run()

    assert sorted(prompts_shown(at)) == ["a lighthouse", "a windmill"]
    assert "q" not in at.query_params


def test_selected_row_opens_its_image_metadata_and_transcript(data_dir: Path) -> None:
    seed_records(["a typed prompt"])
    seed_records(["a spoken prompt"], transcript="a spoken prompt, um, please")

    at = select_row(run_history(), 0)

    assert [s.value for s in at.subheader] == ["Image #2"]
    assert [c.value for c in at.code] == ["a spoken prompt", "a spoken prompt, um, please"]
    facts = next(m.value for m in at.markdown if "Created" in m.value)
    assert "96 × 64" in facts and "fake\\/flux" in facts and "generate 1\\.5 s" in facts
    assert len(at.image) == 1


def test_delete_asks_first_and_then_removes_row_image_and_thumbnail(data_dir: Path) -> None:
    keep, doomed = seed_records(["keep me", "delete me"])
    images = data_dir / "images"

    at = select_row(run_history(), 0)
    at.button(key="history_delete").click().run()
    assert "cannot be undone" in at.warning[0].value
    assert (images / doomed.image_filename).exists()  # nothing happens before the confirmation

    at.button(key="history_delete_confirm").click().run()

    assert prompts_shown(at) == ["keep me"]
    assert "Deleted image #2" in at.success[0].value
    assert not (images / doomed.image_filename).exists()
    assert not (images / str(doomed.thumbnail_filename)).exists()
    assert (images / keep.image_filename).exists()
    assert not at.subheader  # the detail closed instead of showing the next record


def test_cancelled_delete_keeps_everything(data_dir: Path) -> None:
    (only,) = seed_records(["stay"])

    at = select_row(run_history(), 0)
    at.button(key="history_delete").click().run()
    at.button(key="history_delete_cancel").click().run()

    assert prompts_shown(at) == ["stay"] and not at.warning
    assert (data_dir / "images" / only.image_filename).exists()


def test_gallery_shows_the_same_page_and_opens_a_detail(data_dir: Path) -> None:
    seed_records(f"tile {n}" for n in range(12))

    at = run_history(size="10", view="gallery")
    assert not at.dataframe
    assert len(grid_cards(at)) == 10
    click_card(at, "open", 3)

    assert [s.value for s in at.subheader] == ["Image #3"]
    assert at.code[0].value == "tile 2"


def test_regenerate_caption_stores_the_new_description(data_dir: Path) -> None:
    (record,) = seed_records(["a lamp"])
    captioner = FakeCaptioner(text="a lamp glowing on a desk")
    page_services_with(captioner)

    at = select_row(run_history(), 0)
    at.button(key="history_recaption").click().run()

    assert "New caption saved" in at.success[0].value
    assert at.dataframe[0].value["caption"].iloc[0] == "a lamp glowing on a desk"
    assert captioner.images == [(data_dir / "images" / record.image_filename).read_bytes()]


class BrokenCaptioner:
    model_id = "broken/blip"

    def caption(self, image: bytes) -> str:
        raise ModelLoadError("The caption model is not installed: set CAPTION_MODEL to a local folder.")

    def caption_many(self, images: list[bytes]) -> list[str]:
        return [self.caption(image) for image in images]


def test_failed_caption_is_explained_and_the_old_caption_kept(data_dir: Path) -> None:
    seed_records(["a chair"])
    page_services_with(BrokenCaptioner())

    at = select_row(run_history(), 0)
    at.button(key="history_recaption").click().run()

    assert not at.exception
    # Messages after an action are escaped markdown (they may name a tag); a person reads them unescaped.
    assert "set CAPTION_MODEL" in as_read(at.error[0].value)
    assert at.dataframe[0].value["caption"].iloc[0] == "caption of a chair"


def test_reuse_settings_hands_the_prompt_and_options_to_create(data_dir: Path) -> None:
    seed_records(["a castle made of *sand*"], output_quality=55, megapixels="0.25", seed=7)

    at = select_row(run_history(), 0)
    at.button(key="history_reuse").click().run()

    assert not at.exception
    assert at.session_state["reuse_settings"].settings == {
        "prompt": "a castle made of *sand*",
        "aspect_ratio": "3:2",
        "output_format": "png",
        "output_quality": 55,
        "megapixels": "0.25",
    }  # the seed only when asked for
    # Run alone there is no Create page to switch to, so the page says where to go instead.
    assert "open the Create page" in at.info[0].value


def test_use_this_prompt_again_switches_to_create_with_the_prompt_in_the_full_app(data_dir: Path) -> None:
    seed_records(["a lantern on a jetty"], output_quality=55, megapixels="0.25", seed=7)
    at = page("Home.py").run()
    at.switch_page(HISTORY).run()

    at = select_row(at, 0)
    at.checkbox(key="history_reuse_seed").check().run()
    at.button(key="history_reuse").click().run()

    assert not at.exception
    assert "Create" in at.title[0].value
    assert at.text_area(key="prompt").value == "a lantern on a jetty"
    assert (at.selectbox(key="aspect_ratio").value, at.selectbox(key="output_format").value) == ("3:2", "png")
    assert (at.slider(key="output_quality").value, at.selectbox(key="megapixels").value) == (55, "0.25")
    assert at.number_input(key="seed").value == 7


def test_reusing_an_image_saved_without_quality_or_megapixels_keeps_creates_values(data_dir: Path) -> None:
    seed_records(["an old lantern"])  # as rows saved before migration 0004: no quality, no megapixels
    at = page("Home.py").run()
    at.switch_page(HISTORY).run()
    at.session_state["output_quality"] = 40  # Create's current choices
    at.session_state["megapixels"] = "0.25"

    at = select_row(at, 0)
    at.button(key="history_reuse").click().run()

    assert not at.exception
    assert at.text_area(key="prompt").value == "an old lantern"
    assert at.selectbox(key="aspect_ratio").value == "3:2"
    assert (at.slider(key="output_quality").value, at.selectbox(key="megapixels").value) == (40, "0.25")


def test_user_text_is_shown_literally_never_as_markdown(data_dir: Path) -> None:
    hostile = "**big** ![x](http://tracker.example/x.png) <img src=x onerror=alert(1)>"
    seed_records([hostile])

    at = run_history(view="gallery")
    # The card gets the prompt as data, which the grid sets as text (textContent), never as HTML or markdown.
    assert grid_cards(at)[0]["title"] == hostile
    click_card(at, "open", 1)

    rendered = [m.value for m in at.markdown] + captions(at)
    # The detail's caption; a bare link is broken by an invisible word joiner (U+2060).
    assert sum(hostile in as_read(text) for text in rendered) == 1
    # Every markdown-active character arrives escaped, so the image link and the tag stay text.
    assert not any(re.search(r"(?<!\\)(!\[|\]\(|<img|\*\*big)", text) for text in rendered)
    assert at.code[0].value == hostile


def test_unreachable_database_is_explained_without_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", DOWN_DATABASE_URL)

    at = run_history()

    assert not at.exception
    assert "Cannot reach PostgreSQL at 127.0.0.1:1" in at.error[0].value
    assert "PostgreSQL is running" in at.info[0].value
    assert not at.dataframe


def test_csv_download_offers_the_filtered_rows(data_dir: Path) -> None:
    seed_records(["a fox", "a fox cub", "a hen"])

    at = run_history(q="fox")

    labels = [button.proto.label for button in at.get("download_button")]
    assert labels == ["Download 2 matching rows as CSV"]


def test_history_page_never_imports_model_libraries(data_dir: Path, tmp_path: Path) -> None:
    seed_records(["a quiet page"], transcript="a quiet page")
    open_the_detail = """
at.session_state["history_view"] = "table"
at.run()
at.session_state["history_table"] = {"selection": {"rows": [0], "columns": []}}
at.run()
assert at.subheader, "the detail view did not render"
"""
    assert model_libraries_imported_by(HISTORY, then=open_the_detail) == []


def test_since_from_the_link_leaves_older_records_out(data_dir: Path) -> None:
    (record,) = seed_records(["long ago"])
    set_created_at(record.id, datetime.now(UTC) - timedelta(days=400))

    at = run_history(since=(date.today() - timedelta(days=30)).isoformat())

    assert "No saved image matches" in at.info[0].value


def test_a_link_whose_parameters_streamlit_dropped_says_so_instead_of_silently_showing_everything(
    data_dir: Path,
) -> None:
    seed_records(["a red fox", "a blue whale"])

    at = run_history(too_many_params="1")

    assert [warning.value for warning in at.warning] == [WARNING]
    assert sorted(prompts_shown(at)) == ["a blue whale", "a red fox"]
    assert not run_history(q="fox").warning, "an ordinary link gets no warning"
