"""Tags: one tag per look (NFC, case-folded), typed input bounded before parsing, a refused tag named."""

from __future__ import annotations

import pytest

from core.domain.errors import InputError
from core.domain.tags import MAX_TAG_INPUT_CHARS, normalize_tag, parse_linked_tags, parse_tag_input


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
