"""Tags: one tag per look (NFC, case-folded), typed input bounded before parsing, a refused tag named."""

from __future__ import annotations

import unicodedata

import pytest

from core.domain.errors import InputError
from core.domain.records import normalize_creator
from core.domain.tags import MAX_TAG_INPUT_CHARS, normalize_tag, normalize_tags, parse_linked_tags, parse_tag_input


def test_tags_that_look_the_same_are_one_tag() -> None:
    assert normalize_tag("Café") == normalize_tag("Cafe\u0301") == normalize_tag("  CAFÉ ") == "café"


def test_a_long_tag_typed_beside_a_good_one_is_refused_by_name() -> None:
    with pytest.raises(InputError, match="'" + "x" * 40 + "…' is 41 characters long"):
        parse_tag_input("poster, " + "x" * 41)


def test_a_pasted_flood_of_tags_is_refused_before_it_is_parsed() -> None:
    flood = ",".join(f"t{n}" for n in range(60_000))
    with pytest.raises(InputError, match=f"at most 20 tags \\({MAX_TAG_INPUT_CHARS} characters\\)"):
        parse_tag_input(flood)  # the length message: only the check before any parsing says "characters"


def test_typed_tags_keep_their_order_once_each() -> None:
    assert parse_tag_input("Red, sky,,red ,  Sky") == ("red", "sky")


def test_more_than_twenty_distinct_tags_are_refused() -> None:
    with pytest.raises(InputError, match="That is 21 tags"):
        parse_tag_input(",".join(f"t{n}" for n in range(21)))


def test_every_linked_tag_counts_and_unusable_ones_are_dropped() -> None:
    assert parse_linked_tags(["poster", "zzz, " + "x" * 80, "Poster"], limit=10) == ("poster", "zzz")
    assert parse_linked_tags([f"t{n}" for n in range(50)], limit=3) == ("t0", "t1", "t2")


def test_invisible_and_control_characters_never_make_a_second_tag_that_looks_the_same() -> None:
    # The issue's `tag 1 --add poster $'poster\u200b' $'\u200b' $'\u202eretsop' $'red\x1b[31mX'`, less the empty one.
    tags = normalize_tags(["poster", "poster\u200b", "\ufeffPos\u2060ter", "\u202eretsop", "red\x1b[31mX"])

    assert tags == ("poster", "red[31mx", "retsop")
    assert all(unicodedata.category(char) not in ("Cc", "Cf") for tag in tags for char in tag)
    assert normalize_tag("red\tkite") == "red kite"  # white space between words stays a space


@pytest.mark.parametrize("invisible", ["\u200b", "\u202e\u202c", "\x1b\x07", "\ufeff \u2066"])
def test_a_tag_of_only_invisible_characters_is_refused_by_name(invisible: str) -> None:
    with pytest.raises(InputError, match=r"holds only invisible characters") as refused:
        normalize_tag(invisible)
    assert ascii(invisible)[1:-1] in str(refused.value), "the refused tag is named, escaped so it can be seen"


def test_names_keep_only_visible_characters_and_their_case() -> None:
    assert normalize_creator("Ana\x1b[31m\x07 \u202eLópez\u200b") == "Ana[31m López"
    assert normalize_creator("Jose\u0301") == "José"  # NFC, so the same name is one in the "Made by" filter
    assert normalize_creator("\u200b\u202e\x07") is None
