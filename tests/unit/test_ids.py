"""Image numbers: one parser for the command line and History's links, ASCII digits in the database's range."""

from __future__ import annotations

import time

import pytest

from core.cli.main import main
from core.domain.comparison import parse_compare_ids
from core.domain.errors import InputError
from core.domain.ids import MAX_IMAGE_ID, parse_image_id, parse_image_ids


@pytest.mark.parametrize(("text", "number"), [("7", 7), (" 12 ", 12), ("007", 7), (str(MAX_IMAGE_ID), MAX_IMAGE_ID)])
def test_an_image_number_is_ascii_digits_within_the_database_range(text: str, number: int) -> None:
    assert parse_image_id(text) == number


@pytest.mark.parametrize("text", ["²", "٣", "3²", "-1", "+3", "3.0", "1e3", "", " ", "0x10", "3 4"])
def test_anything_but_ascii_digits_is_not_an_image_number(text: str) -> None:
    with pytest.raises(InputError, match="is not an image number"):
        parse_image_id(text)


@pytest.mark.parametrize("text", ["0", "000", str(MAX_IMAGE_ID + 1), "9" * 5000, "0" * 3000 + "2147483648"])
def test_numbers_outside_the_database_range_name_no_image(text: str) -> None:
    with pytest.raises(InputError, match="There is no image #") as refused:
        parse_image_id(text)
    assert len(str(refused.value)) < 200, "a 5,000-digit id is not echoed whole"


def test_a_list_is_read_in_order_once_each_and_refused_after_one_too_many() -> None:
    assert parse_image_ids("3, 7,,3,9", most=4) == [3, 7, 9]
    # The fifth different id ends the reading: what follows it (here, not an id) is never looked at.
    with pytest.raises(InputError, match="more than 4"):
        parse_image_ids("1,2,3,4,5,²", most=4)


def test_an_80000_id_compare_link_is_refused_in_linear_time() -> None:
    distinct = ",".join(str(n) for n in range(1, 80_001))
    repeated = ",".join(["3"] * 80_000 + ["4"])
    started = time.process_time()
    with pytest.raises(InputError):
        parse_compare_ids(distinct)
    assert parse_compare_ids(repeated) == [3, 4]  # read to the end, once
    assert time.process_time() - started < 1.0  # was 22-60 s of CPU for the first link alone


@pytest.mark.parametrize("link", ["3,²", "3," + "5" * 5000, "3,2147483648"])
def test_hostile_compare_links_are_refused_as_input(link: str) -> None:
    with pytest.raises(InputError, match="compare link"):
        parse_compare_ids(link)


@pytest.mark.parametrize(
    "argv",
    [
        ["edit", "2147483648", "--instruction", "x"],
        ["star", "3", "2147483648"],
        ["tag", "2147483648", "--add", "red"],
        ["delete", "2147483648", "--yes"],
        ["history", "--family", "2147483648"],
        ["star", "²"],
        ["delete", "9" * 5000, "--yes"],
    ],
)
def test_the_command_line_refuses_a_bad_id_with_exit_2_before_any_database(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/none")  # never reached
    with pytest.raises(SystemExit) as exited:
        main(argv)
    error = capsys.readouterr().err
    assert exited.value.code == 2
    assert "There is no image #" in error or "is not an image number" in error
    assert "database" not in error.lower() and "Traceback" not in error
