"""Gallery selection as in photo managers: shift-click selects from the last card clicked to this one."""

from __future__ import annotations

import pytest

from ui.history.picking import picked_range

PAGE = [50, 49, 47, 46, 45, 44]  # ids as the gallery shows them, newest first (gaps where images were deleted)


@pytest.mark.parametrize(
    ("anchor", "target", "picked"),
    [
        (49, 45, [49, 47, 46, 45]),  # downwards
        (45, 49, [49, 47, 46, 45]),  # upwards: the same range
        (47, 47, [47]),
    ],
)
def test_shift_click_selects_every_card_between_the_last_click_and_this_one(
    anchor: int, target: int, picked: list[int]
) -> None:
    assert picked_range(PAGE, anchor, target) == picked


def test_shift_click_with_no_earlier_click_on_this_page_selects_only_that_card() -> None:
    assert picked_range(PAGE, None, 46) == [46]
    assert picked_range(PAGE, 12, 46) == [46]  # the anchor was on another page


def test_shift_click_on_a_card_not_on_the_page_selects_nothing() -> None:
    assert picked_range(PAGE, 49, 3) == []
