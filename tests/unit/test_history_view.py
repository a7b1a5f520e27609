"""The History page's plain parts: URL filters, the table's rows, the CSV export and safe text."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from core.app.export import CSV_FIELDS, history_csv
from core.db.engine import create_engine_for, migrate
from core.db.repository import RecordRepository
from core.domain.records import HistoryPage, HistoryQuery, ImageRecordView, NewRecord
from ui.history.filters import DEFAULT_PAGE_SIZE, HistoryFilters, page_count, showing_label
from ui.history.results import COLUMN_CONFIG
from ui.record_display import download_name, escape_markdown, history_frame, record_facts

ROOT = Path(__file__).resolve().parents[2]


def view(record_id: int = 7, **changes: object) -> ImageRecordView:
    values: dict[str, object] = {
        "id": record_id,
        "prompt": "a red fox in the snow",
        "image_filename": "images/0b7c.webp",
        "description": "a fox standing in snow",
        "created_at": datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC),
        "thumbnail_filename": "thumbnails/0b7c.webp",
        "content_type": "image/webp",
        "width": 1024,
        "height": 768,
        "size_bytes": 150_000,
        "aspect_ratio": "4:3",
        "output_format": "webp",
        "image_model": "black-forest-labs/flux-schnell",
        "caption_model": "Salesforce/blip-image-captioning-base",
        "timings_ms": {"caption": 900.0, "generate": 2100.0, "upload": 40.0, "transcribe": 310.0},
    }
    values.update(changes)
    return ImageRecordView(**values)  # type: ignore[arg-type]


def test_filters_read_from_a_shared_link_keep_every_value() -> None:
    params = {"q": "red  fox", "since": "2025-01-02", "until": "2025-02-03", "sort": "oldest", "size": "50"}
    filters = HistoryFilters.from_params({**params, "page": "3", "view": "gallery"})

    assert filters == HistoryFilters(
        search="red fox",
        since=date(2025, 1, 2),
        until=date(2025, 2, 3),
        newest_first=False,
        page_size=50,
        page=3,
        view="gallery",
    )
    assert HistoryFilters.from_params(filters.to_params()) == filters


@pytest.mark.parametrize(
    "params",
    [
        {"since": "yesterday", "until": "2025-13-45", "size": "7", "page": "-3", "sort": "sideways", "view": "x"},
        {"since": "1066-10-14", "size": "lots", "page": "2.5", "q": ""},
        {"page": "99999999999999999999", "size": ""},
    ],
)
def test_garbage_in_the_link_falls_back_to_defaults(params: dict[str, str]) -> None:
    filters = HistoryFilters.from_params(params)

    assert filters.since is None and filters.until is None
    assert filters.page_size == DEFAULT_PAGE_SIZE
    assert 1 <= filters.page <= 1_000_000
    assert filters.newest_first and filters.view == "gallery"


def test_link_holds_only_what_differs_from_the_defaults() -> None:
    assert HistoryFilters().to_params() == {}
    assert HistoryFilters(search=" fox ", page=2).to_params() == {"q": "fox", "page": "2"}


def test_page_number_becomes_an_sql_offset() -> None:
    query = HistoryFilters(search="fox", page=3, page_size=25, newest_first=False).query()

    assert query == HistoryQuery(search="fox", newest_first=False, limit=25, offset=50)
    assert HistoryFilters(search="   ").query().search is None


def test_showing_label_counts_from_one_with_the_total() -> None:
    assert showing_label(HistoryFilters(page=2, page_size=25), total=312, shown=25) == "Showing 26–50 of 312"
    assert showing_label(HistoryFilters(page=13, page_size=25), total=312, shown=12) == "Showing 301–312 of 312"
    assert page_count(312, 25) == 13 and page_count(0, 25) == 1


def test_markdown_in_user_text_is_escaped_so_it_shows_literally() -> None:
    hostile = "**bold** ![pixel](http://tracker.example/p.png) <b>x</b> $x$ :smile: [link](javascript:alert(1))"

    escaped = escape_markdown(hostile)

    assert "![" not in escaped and "](" not in escaped and "**" not in escaped and "<b>" not in escaped
    # What a person sees: the text as typed, a bare link broken by an invisible word joiner (U+2060).
    assert escaped.replace("\\", "").replace("\u2060", "") == hostile.replace("\\", "")
    assert "://" not in escaped.replace("\\", "")
    assert escape_markdown("plain words 42") == "plain words 42"


def test_table_rows_carry_prompt_caption_url_and_extras() -> None:
    records = [view(1), view(2, thumbnail_filename=None, timings_ms={}, width=None, size_bytes=None)]

    frame = history_frame(records, lambda key: f"https://cdn.example/{key}?signed")

    assert list(frame["id"]) == [1, 2]
    assert list(frame["prompt"]) == ["a red fox in the snow"] * 2
    assert list(frame["caption"]) == ["a fox standing in snow"] * 2
    # A row adopted from the Gradio app has no thumbnail: the full image stands in.
    assert list(frame["thumbnail"]) == [
        "https://cdn.example/thumbnails/0b7c.webp?signed",
        "https://cdn.example/images/0b7c.webp?signed",
    ]
    assert frame["created_at"].iloc[0] == datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert frame["total_s"].iloc[0] == pytest.approx(3.35)
    assert list(frame["starred"]) == ["", ""] and list(frame["tags"]) == ["", ""]


def test_empty_page_makes_an_empty_table_with_the_same_columns() -> None:
    frame = history_frame([], lambda key: None)

    assert frame.empty and "thumbnail" in frame.columns and "prompt" in frame.columns


def test_download_is_named_after_the_record_with_the_stored_type() -> None:
    assert download_name(view(12)) == ("image-12.webp", "image/webp")
    assert download_name(view(3, image_filename="images/a.jpg", content_type=None)) == ("image-3.jpg", "image/jpeg")


def test_facts_list_stage_times_in_pipeline_order_and_skip_unknowns() -> None:
    facts = dict(record_facts(view(seed=None, speech_model=None)))

    assert facts["Stage times"] == "transcribe 310 ms, generate 2.1 s, caption 900 ms, upload 40 ms"
    assert facts["Total time"] == "3.4 s"
    assert facts["Created"] == "2025-03-04 05:06:07 UTC"
    assert facts["File size"] == "146 KB"
    assert "Seed" not in facts and "Speech model" not in facts
    assert "Quality" not in facts and "Megapixels" not in facts  # rows saved before migration 0004


def test_facts_show_the_quality_and_megapixels_that_reuse_restores() -> None:
    facts = dict(record_facts(view(output_quality=0, megapixels="0.25")))

    assert (facts["Quality"], facts["Megapixels"]) == ("0", "0.25")


@dataclass
class CountingRepository:
    """The real repository, remembering every query it was asked."""

    inner: RecordRepository
    queries: list[HistoryQuery] = field(default_factory=list)

    def search(self, *, query: HistoryQuery) -> HistoryPage:
        self.queries.append(query)
        return self.inner.search(query=query)


@pytest.fixture
def repository(tmp_path: Path) -> RecordRepository:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'csv.db'}")
    migrate(engine)
    return RecordRepository(engine)


def add(repository: RecordRepository, count: int, prompt: str = "a fox number {n}") -> None:
    for n in range(count):
        new = NewRecord(
            prompt=prompt.format(n=n),
            image_filename=f"images/{n}.png",
            description=f"caption {n}",
            idempotency_key=f"{prompt}-{n}",
            timings_ms={"generate": 1000.0, "caption": 250.0},
            output_quality=55,
            megapixels="0.25",
        )
        repository.add(record=new)


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_holds_every_match_fetched_in_sql_pages(repository: RecordRepository) -> None:
    add(repository, 23)
    add(repository, 4, prompt="an owl number {n}")
    spy = CountingRepository(repository)

    shown = HistoryFilters(search="fox", page=3, page_size=10).query()

    rows = read_csv(history_csv(repository=spy, query=shown, batch=10))  # type: ignore[arg-type]

    assert len(rows) == 23 and all("fox" in row["prompt"] for row in rows)
    assert list(rows[0]) == list(CSV_FIELDS)
    assert rows[0]["total_ms"] == "1250.0" and rows[0]["description"]
    assert (rows[0]["output_quality"], rows[0]["megapixels"]) == ("55", "0.25")  # what Reuse settings needs
    # Three SQL pages of at most 10 rows from the start, whatever page the screen showed.
    assert [(q.limit, q.offset) for q in spy.queries] == [(10, 0), (10, 10), (10, 20)]


def test_csv_stops_at_the_cap(repository: RecordRepository) -> None:
    add(repository, 12)

    rows = read_csv(history_csv(repository=repository, query=HistoryFilters().query(), cap=5, batch=2))

    assert len(rows) == 5


def test_csv_cells_that_look_like_formulas_stay_text(repository: RecordRepository) -> None:
    add(repository, 1, prompt='=HYPERLINK("http://evil.example") {n}')

    rows = read_csv(history_csv(repository=repository, query=HistoryFilters().query()))

    assert rows[0]["prompt"].startswith("'=HYPERLINK")


def test_every_table_column_has_its_display_settings() -> None:
    assert list(history_frame([], lambda key: None).columns) == list(COLUMN_CONFIG)


def test_csv_export_and_record_shaping_work_without_streamlit() -> None:
    script = "import sys, core.app.export, ui.history.filters, ui.record_display; print('streamlit' in sys.modules)"

    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60)

    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "False"


def test_gallery_filters_round_trip_through_a_link() -> None:
    filters = HistoryFilters(starred=True, tags=("red", "team blue"), by="ana@example.com")

    params = filters.to_params()

    assert params == {"starred": "1", "tag": "red,team blue", "by": "ana@example.com"}
    assert HistoryFilters.from_params(params) == filters
    assert filters.narrows and filters.query().tags == ("red", "team blue")
    assert filters.query().created_by == "ana@example.com" and filters.query().starred


def test_hand_edited_tag_links_are_normalised_and_deduplicated() -> None:
    read = HistoryFilters.from_params({"tag": " Red ,,red, " + "x" * 80 + ",Sky", "starred": "maybe"})

    assert read.tags == ("red", "sky")  # empty and over-long tags dropped, case folded, once each
    assert not read.starred


def test_every_repeated_tag_parameter_filters_whatever_its_order() -> None:
    one_way = HistoryFilters.from_params({"tag": ["poster", "zzz"], "view": ["table", "gallery"]})
    other_way = HistoryFilters.from_params({"tag": ["zzz", "poster"]})

    assert one_way.tags == ("poster", "zzz") and other_way.tags == ("zzz", "poster")
    assert one_way.query().tags == ("poster", "zzz")  # all must match, like the tag picker
    assert one_way.view == "gallery"  # a repeated single-valued parameter: the last one wins
