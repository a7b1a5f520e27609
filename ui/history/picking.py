"""Which cards a click selects, as in photo managers: a click toggles one card; shift-click selects a range.

Plain Python (no Streamlit), so the rule is tested on its own; ui.history.selection does the clicking.
"""

from __future__ import annotations

from collections.abc import Sequence


def picked_range(page_ids: Sequence[int], anchor: int | None, target: int) -> list[int]:
    """The ids a shift-click on `target` selects: from the last card clicked (`anchor`) to it, both included.

    Either order works (a range can be drawn upwards). With no anchor on this page (nothing clicked yet, or
    the anchor scrolled off with a page change) the shift-click selects just `target`, like a plain click.
    An id not on the page selects nothing.
    """
    if target not in page_ids:
        return []
    if anchor is None or anchor not in page_ids:
        return [target]
    start, end = sorted((page_ids.index(anchor), page_ids.index(target)))
    return list(page_ids[start : end + 1])
