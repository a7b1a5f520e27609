"""Selecting gallery cards as in photo managers: a card's check, shift-click for a range, all on the page.

The selection is a list of record ids in the session (`HISTORY.picked`). The gallery's grid (ui.history.cards) sends
each click on a card's check, with whether shift was held; a range from the last card clicked is worked out
by ui.history.picking.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from core.app.services import Services
from core.domain.records import ImageRecordView
from ui.history.actions import bulk_actions
from ui.history.compare_view import compare_button
from ui.history.picking import picked_range
from ui.history.state import HISTORY

BAR_KEY = "history_selection_bar"
PHONE = "@media (max-width: 640px)"
# On a phone the bar stays one row: its buttons show only their icons (each label is still there for screen
# readers and tests, visually hidden), popovers lose their chevron, the hint is cut with an ellipsis, and
# "Select all" steps aside while something is selected (Clear is there then).
_BAR_STYLE = f"""{PHONE} {{
.st-key-{BAR_KEY} {{ flex-wrap: nowrap !important; gap: 0.25rem !important; padding: 0.5rem !important; }}
.st-key-{BAR_KEY} button {{ min-width: 40px; min-height: 40px; padding: 0.25rem 0.5rem; }}
.st-key-{BAR_KEY} button [data-testid="stMarkdownContainer"] {{
  position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }}
.st-key-{BAR_KEY} [data-testid="stPopoverButton"] div[aria-hidden="true"] {{ display: none; }}
.st-key-{BAR_KEY} > [data-testid="stElementContainer"]:first-child {{ min-width: 0; flex: 0 1 auto; }}
.st-key-{BAR_KEY} [data-testid="stMarkdown"] p {{ white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }}
.st-key-{BAR_KEY}:has(.st-key-history_select_none) .st-key-history_select_all {{ display: none; }}
}}"""


def picked_ids() -> list[int]:
    return HISTORY.picked


def set_picked(record_id: int, on: bool) -> None:
    """Tick or untick one card; it becomes where the next shift-click's range starts."""
    others = [picked for picked in picked_ids() if picked != record_id]
    HISTORY.picked = [*others, record_id] if on else others
    HISTORY.anchor = record_id


def select_range(page_ids: Sequence[int], target: int) -> None:
    """Tick every card from the last one clicked to `target`; `target` becomes where the next range starts."""
    chosen = picked_range(page_ids, HISTORY.anchor, target)
    already = picked_ids()
    HISTORY.picked = [*already, *(record_id for record_id in chosen if record_id not in already)]
    HISTORY.anchor = target


def select_all(page_ids: Sequence[int]) -> None:
    HISTORY.picked = page_ids


def clear() -> None:
    HISTORY.clear_selection()
    HISTORY.anchor = None


def gallery_selection(records: Sequence[ImageRecordView]) -> list[ImageRecordView]:
    """The selected cards of this page, in page order."""
    picked = set(picked_ids())
    return [record for record in records if record.id in picked]


def selection_bar(
    current: Services,
    records: Sequence[ImageRecordView],
    selected: Sequence[ImageRecordView],
    *,
    selectable: bool,
) -> None:
    """One bar above the results, the same height whether or not anything is selected, so the grid never moves.

    Empty, it says how to select and offers "Select all" (gallery only: the table selects with its own checks).
    """
    page_ids = [record.id for record in records]
    if not selected and not selectable:
        return
    st.html(f"<style>{_BAR_STYLE}</style>")
    with st.container(border=True, horizontal=True, vertical_alignment="center", gap="small", key=BAR_KEY):
        if selected:
            st.markdown(f"**{len(selected)} selected**")
            bulk_actions(current, selected)
            compare_button(selected)
        else:
            st.markdown("Tick cards to act on them together; shift-click selects a range.")
        st.space("stretch")
        if selectable:
            st.button(
                f"Select all {len(page_ids)}",
                icon=":material/select_all:",
                key="history_select_all",
                on_click=select_all,
                args=(page_ids,),
                disabled=len(selected) == len(page_ids),
            )
        if selected:
            st.button(
                "Clear", icon=":material/close:", key="history_select_none", on_click=clear, help="Select nothing"
            )
