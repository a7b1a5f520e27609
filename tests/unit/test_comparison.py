"""Compare: which facts differ, what a compare link may name, and the family link parameter."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.domain.comparison import fact_rows, odd_ones_out, parse_compare_ids, record_facts
from core.domain.errors import InputError
from core.domain.records import ImageRecordView
from ui.history.compare_view import compare_link
from ui.history.filters import HistoryFilters


def record(record_id: int, prompt: str, seed: int | None, instruction: str | None = None) -> ImageRecordView:
    return ImageRecordView(
        id=record_id,
        prompt=prompt,
        image_filename=f"images/{record_id}.png",
        description="",
        created_at=datetime(2026, 12, 4, 12, 0, tzinfo=UTC),
        seed=seed,
        aspect_ratio="1:1",
        image_model="black-forest-labs/flux-schnell",
        edit_instruction=instruction,
    )


def test_only_the_facts_the_images_disagree_on_are_marked_as_differing() -> None:
    rows = fact_rows([record_facts(record(1, "a kite", 7)), record_facts(record(2, "a kite", 8, "make it red"))])

    assert {row.label: row.differs for row in rows} == {
        "Prompt": False,
        "Instruction": True,
        "Seed": True,
        "Aspect ratio": False,
        "Model": False,
        "Date": False,
    }
    assert next(row for row in rows if row.label == "Seed").values == ("7", "8")


@pytest.mark.parametrize(("link", "ids"), [("3,7", [3, 7]), (" 7, 3 ,9,", [7, 3, 9]), ("3,3,4", [3, 4])])
def test_a_compare_link_names_two_to_four_images_in_its_order(link: str, ids: list[int]) -> None:
    assert parse_compare_ids(link) == ids


@pytest.mark.parametrize("link", ["3", "1,2,3,4,5", "3,x", "3,-1", "0,2", "", "3,3"])
def test_a_bad_compare_link_is_refused_with_how_to_write_one(link: str) -> None:
    with pytest.raises(InputError, match=r"(?i)compare"):
        parse_compare_ids(link)


def test_a_family_link_is_read_kept_and_narrows_the_history() -> None:
    filters = HistoryFilters.from_params({"family": "12"})

    assert filters.family == 12 and filters.narrows
    assert filters.query().family == 12
    assert filters.to_params() == {"family": "12"}
    assert HistoryFilters.from_params({"family": "nope"}).family is None
    assert HistoryFilters.from_params({"family": "-3"}).family is None


def test_a_fact_two_of_three_images_share_is_marked_only_on_the_third() -> None:
    rows = fact_rows(
        [
            record_facts(record(1, "a kite", 7)),
            record_facts(record(2, "a kite", 7)),
            record_facts(record(3, "a kite", 8)),
        ]
    )

    seed = next(row for row in rows if row.label == "Seed")
    prompt = next(row for row in rows if row.label == "Prompt")
    assert seed.differs and seed.different == (False, False, True)
    assert not prompt.differs and prompt.different == (False, False, False)


@pytest.mark.parametrize(
    ("values", "marked"),
    [
        (["7", "8"], (True, True)),  # two that disagree: neither is the shared one
        (["7", "8", "9"], (True, True, True)),  # all apart
        (["7", "7", "8", "8"], (True, True, True, True)),  # a tie: no value is the shared one
        (["7", "7", "7", "9"], (False, False, False, True)),
        (["7", "7"], (False, False)),
    ],
)
def test_a_value_differs_only_when_it_stands_apart_from_the_one_most_images_share(
    values: list[str], marked: tuple[bool, ...]
) -> None:
    assert odd_ones_out(values) == marked


@pytest.mark.parametrize(
    ("app_url", "page_url", "link"),
    [
        ("https://images.example.com/", None, "https://images.example.com/history?compare=5,4"),
        (None, "http://127.0.0.1:8501/history", "http://127.0.0.1:8501/history?compare=5,4"),
        (None, "https://team.example.com/app/history", "https://team.example.com/app/history?compare=5,4"),
        (
            "https://images.example.com",
            "http://10.0.0.3:8501/history",
            "https://images.example.com/history?compare=5,4",
        ),
        (None, None, "/history?compare=5,4"),  # no browser (a script run): relative, still correct on the server
    ],
)
def test_a_compare_link_is_a_full_address_from_app_url_else_the_browsers(
    app_url: str | None, page_url: str | None, link: str
) -> None:
    assert compare_link([5, 4], app_url, page_url) == link
