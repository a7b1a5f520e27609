"""Selecting gallery cards as in photo managers: a card's check, shift-click for a range, all on the page.

Streamlit's checkbox cannot see the shift key, so a small script (a components-v2 component, in the page
itself, no iframe) catches a shift-click on a card's check before the checkbox does, stops it, and sends the
card's id instead; the range from the last card clicked is then ticked here, before the checkboxes are drawn.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from core.app.services import Services
from core.domain.records import ImageRecordView
from ui.history.actions import bulk_actions
from ui.history.compare_view import compare_button
from ui.history.picking import picked_range
from ui.history.view import PICK_PREFIX, clear_selection

ANCHOR_KEY = "_history_pick_anchor"  # the id of the card whose check was clicked last: where a range starts
SHIFT_KEY = "history_shift_pick"
BAR_KEY = "history_selection_bar"

# Capture phase on the document: runs before the checkbox's own handler, so a shift-click never toggles it.
_SHIFT_CLICK_JS = """
export default function ({ setTriggerValue }) {
  const onClick = (event) => {
    if (!event.shiftKey) return;
    const pick = event.target.closest('[class*="st-key-history_pick_"]');
    const match = pick && /st-key-history_pick_(\\d+)/.exec(pick.className);
    if (!match) return;
    event.preventDefault();
    event.stopPropagation();
    setTriggerValue("range", Number(match[1]));
  };
  document.addEventListener("click", onClick, true);
  return () => document.removeEventListener("click", onClick, true);
}
"""
_shift_clicks = st.components.v2.component("history_shift_pick", js=_SHIFT_CLICK_JS)


def pick_key(record_id: int) -> str:
    return f"{PICK_PREFIX}{record_id}"


def remember_anchor(record_id: int) -> None:
    st.session_state[ANCHOR_KEY] = record_id


def select_range(page_ids: Sequence[int], target: int) -> None:
    """Tick every card from the last one clicked to `target`; `target` becomes where the next range starts."""
    for record_id in picked_range(page_ids, st.session_state.get(ANCHOR_KEY), target):
        st.session_state[pick_key(record_id)] = True
    st.session_state[ANCHOR_KEY] = target


def select_all(page_ids: Sequence[int]) -> None:
    for record_id in page_ids:
        st.session_state[pick_key(record_id)] = True


def clear() -> None:
    clear_selection()
    st.session_state.pop(ANCHOR_KEY, None)


def gallery_selection(records: Sequence[ImageRecordView]) -> list[ImageRecordView]:
    """The selected cards of this page, after applying a shift-click sent since the last run (if any)."""
    page_ids = [record.id for record in records]
    shift = _shift_clicks(key=SHIFT_KEY, on_range_change=lambda: None)
    target = getattr(shift, "range", None)
    if isinstance(target, int):
        select_range(page_ids, target)
    return [record for record in records if st.session_state.get(pick_key(record.id))]


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
                key="history_select_all",
                on_click=select_all,
                args=(page_ids,),
                disabled=len(selected) == len(page_ids),
            )
        if selected:
            st.button("Clear", key="history_select_none", on_click=clear, help="Select nothing")
