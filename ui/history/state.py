"""History's session state in one place: every key a named constant, every value read through `HISTORY`.

Streamlit keeps a session's values in `st.session_state`, a dict of `str` to anything, shared by every page.
The History modules reach their part of it only through this module: the widget keys below (the page draws
the widgets with them, tests find them by them) and `HISTORY`, which types what is kept between reruns and
the few changes that touch several values at once (a new filter goes back to page 1 with nothing selected).
The filters themselves also live in the URL (ui.history.filters); Create's settings are handed over through
ui.create.handover, never by writing Create's keys here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import streamlit as st

from ui.history.filters import HistoryFilters
from ui.session_values import keep_or_forget

# ---- filter widgets (the filter bar and the pager, ui.history.view and ui.history.results) ---------------
Q_KEY, SINCE_KEY, UNTIL_KEY = "history_q", "history_since", "history_until"
SORT_KEY, SIZE_KEY, PAGE_KEY, VIEW_KEY = "history_sort", "history_size", "history_page", "history_view"
STARRED_KEY, TAGS_KEY, BY_KEY = "history_starred", "history_tags", "history_by"
FOLD_KEY = "history_filters_fold"  # the "Filters" expander: open or folded
MEANING_KEY = "history_meaning"  # the toggle: the search box's words are read as a description
# ---- other widgets whose values are read ----------------------------------------------------------------
TABLE_KEY = "history_table"  # the table view's dataframe: its selected rows
GRID_KEY = "history_grid"  # the gallery's components-v2 grid: the click it sent (ui.history.cards)
BULK_TAGS_KEY = "history_bulk_tags"  # the selection bar's tag box
DETAIL_TAGS_KEY = "history_detail_tags"  # the detail's tag box
WITH_KEY = "history_compare_with"  # the detail's "Compare #N with" box
REUSE_SEED_KEY = "history_reuse_seed"  # the detail's "Reuse on Create with seed N"
# ---- what the page keeps between reruns (no widget draws these) ----------------------------------------
FAMILY_KEY = "history_family"  # set by a link (?family=N) or a family strip's "List the family"
LIKE_KEY = "history_like"  # the record whose look-alikes are listed, or None
OPEN_KEY = "history_open_id"  # the record shown in the detail dialog
CONFIRM_KEY = "history_confirm_delete"  # the record whose delete waits for "Yes, delete it"
CHANGE_KEY = "history_change_open"  # the id whose "Change this image" panel is open
PICKED_KEY = "history_picked"  # the ids of the gallery cards ticked (ui.history.selection)
ANCHOR_KEY = "_history_pick_anchor"  # the id of the card whose check was clicked last: where a range starts
PAGE_IDS_KEY = "_history_page_ids"  # the ids shown on this page, in order: previous/next, clicks checked
PREVIOUS_ROWS_KEY = "_history_previous_rows"  # the table rows selected in the last run
COMPARE_FOR_KEY = "_history_compare_for"  # the record the "Compare with" box was filled in for
FLASH_KEY = "history_flash"  # what the last action came to, shown once after the rerun it causes

NO_SELECTION: dict[str, dict[str, list[object]]] = {"selection": {"rows": [], "columns": [], "cells": []}}


class HistoryState:
    """Typed access to History's values in `st.session_state`; it holds nothing itself, so one instance serves all."""

    # ---- filters -------------------------------------------------------------------------------------
    def seed_filters(self, start: HistoryFilters) -> None:
        """The filter widgets' values from a link, the first time they appear in this session."""
        seeds = {
            Q_KEY: start.search,
            SINCE_KEY: start.since,
            UNTIL_KEY: start.until,
            SORT_KEY: "newest" if start.newest_first else "oldest",
            SIZE_KEY: start.page_size,
            PAGE_KEY: start.page,
            VIEW_KEY: start.view,
            STARRED_KEY: start.starred,
            TAGS_KEY: list(start.tags),
            BY_KEY: start.by,
            FAMILY_KEY: start.family,
        }
        for key, value in seeds.items():
            st.session_state.setdefault(key, value)

    def filters(self) -> HistoryFilters:
        state = st.session_state
        return HistoryFilters(
            search=state[Q_KEY] or "",
            since=state[SINCE_KEY],
            until=state[UNTIL_KEY],
            newest_first=state[SORT_KEY] != "oldest",
            page_size=state[SIZE_KEY],
            page=state[PAGE_KEY],
            view=state[VIEW_KEY],
            starred=bool(state[STARRED_KEY]),
            tags=tuple(state[TAGS_KEY] or ()),
            by=state[BY_KEY] or "",
            family=state.get(FAMILY_KEY),
        )

    def clear_filters(self) -> None:
        st.session_state.update(
            {
                Q_KEY: "",
                SINCE_KEY: None,
                UNTIL_KEY: None,
                STARRED_KEY: False,
                TAGS_KEY: [],
                BY_KEY: "",
                FAMILY_KEY: None,
            }
        )
        self.restart_paging()

    def clear_search(self) -> None:
        st.session_state[Q_KEY] = ""

    @property
    def chosen_tags(self) -> list[str]:
        return list(st.session_state.get(TAGS_KEY) or [])

    @property
    def chosen_by(self) -> str:
        chosen: str = st.session_state.get(BY_KEY) or ""
        return chosen

    @property
    def by_meaning(self) -> bool:
        return bool(st.session_state.get(MEANING_KEY))

    @property
    def family(self) -> int | None:
        family: int | None = st.session_state.get(FAMILY_KEY)
        return family

    @family.setter
    def family(self, record_id: int | None) -> None:
        st.session_state[FAMILY_KEY] = record_id

    @property
    def like(self) -> int | None:
        like: int | None = st.session_state.get(LIKE_KEY)
        return like

    @like.setter
    def like(self, record_id: int | None) -> None:
        st.session_state[LIKE_KEY] = record_id

    # ---- paging ----------------------------------------------------------------------------------------
    @property
    def page(self) -> int:
        page: int = st.session_state[PAGE_KEY]
        return page

    @page.setter
    def page(self, number: int) -> None:
        """Allowed until the pager's number box is drawn in this run (it is drawn after the results are fetched)."""
        st.session_state[PAGE_KEY] = number

    @property
    def page_ids(self) -> list[int]:
        """The ids shown on this page, in page order."""
        return list(st.session_state.get(PAGE_IDS_KEY) or [])

    @page_ids.setter
    def page_ids(self, ids: Sequence[int]) -> None:
        st.session_state[PAGE_IDS_KEY] = list(ids)

    def restart_paging(self) -> None:
        """Any new filter starts again at page 1, with nothing selected or opened."""
        self.page = 1
        self.clear_selection()
        self.close_detail()

    def step_page(self, step: int) -> None:
        self.page = max(1, self.page + step)
        self.clear_selection()
        self.close_detail()

    # ---- selection: the gallery's ticked cards and the table's rows -------------------------------------
    @property
    def picked(self) -> list[int]:
        return list(st.session_state.get(PICKED_KEY) or [])

    @picked.setter
    def picked(self, ids: Sequence[int]) -> None:
        st.session_state[PICKED_KEY] = list(ids)

    @property
    def anchor(self) -> int | None:
        anchor: int | None = st.session_state.get(ANCHOR_KEY)
        return anchor

    @anchor.setter
    def anchor(self, record_id: int | None) -> None:
        keep_or_forget(ANCHOR_KEY, record_id)

    @property
    def table_state(self) -> object:
        """What the table's dataframe reports (its selection), as Streamlit keeps it."""
        return st.session_state.get(TABLE_KEY)

    @property
    def previous_rows(self) -> list[int]:
        return list(st.session_state.get(PREVIOUS_ROWS_KEY) or [])

    @previous_rows.setter
    def previous_rows(self, rows: Sequence[int]) -> None:
        st.session_state[PREVIOUS_ROWS_KEY] = list(rows)

    def clear_selection(self) -> None:
        st.session_state[TABLE_KEY] = NO_SELECTION
        self.previous_rows = []
        self.picked = []

    def grid_event(self, name: str) -> object:
        """The value the gallery's grid sent for `name` in this rerun (None if it sent something else)."""
        sent = st.session_state.get(GRID_KEY)
        return sent.get(name) if isinstance(sent, Mapping) else None

    # ---- the detail dialog and what opens in it --------------------------------------------------------
    @property
    def open_id(self) -> int | None:
        opened: int | None = st.session_state.get(OPEN_KEY)
        return opened

    def open(self, record_id: int) -> None:
        self.confirming_delete = None
        st.session_state[OPEN_KEY] = record_id

    def close_detail(self) -> None:
        st.session_state.pop(OPEN_KEY, None)
        self.confirming_delete = None

    @property
    def confirming_delete(self) -> int | None:
        confirming: int | None = st.session_state.get(CONFIRM_KEY)
        return confirming

    @confirming_delete.setter
    def confirming_delete(self, record_id: int | None) -> None:
        keep_or_forget(CONFIRM_KEY, record_id)

    @property
    def changing(self) -> int | None:
        """The id whose "Change this image" panel is open."""
        changing: int | None = st.session_state.get(CHANGE_KEY)
        return changing

    @changing.setter
    def changing(self, record_id: int | None) -> None:
        keep_or_forget(CHANGE_KEY, record_id)

    @property
    def reuse_seed(self) -> bool:
        return bool(st.session_state.get(REUSE_SEED_KEY, False))

    def offer_compare(self, record_id: int, offered: int | None) -> None:
        """Fill the "Compare with" box for this record, once per record opened (what was typed then stays)."""
        if WITH_KEY not in st.session_state or st.session_state.get(COMPARE_FOR_KEY) != record_id:
            st.session_state[WITH_KEY] = "" if offered is None else str(offered)
            st.session_state[COMPARE_FOR_KEY] = record_id

    @property
    def compare_with(self) -> str:
        typed: str = st.session_state.get(WITH_KEY) or ""
        return typed

    # ---- what an action came to, and typed tags --------------------------------------------------------
    def tell(self, level: str, message: str) -> None:
        """Shown once after the rerun the action causes: `level` is "success" or "error"."""
        st.session_state[FLASH_KEY] = (level, message)

    def take_flash(self) -> tuple[str, str] | None:
        flash: tuple[str, str] | None = st.session_state.pop(FLASH_KEY, None)
        return flash

    def typed(self, text_key: str) -> str:
        """The text in a tag box (BULK_TAGS_KEY or DETAIL_TAGS_KEY)."""
        text: str = st.session_state.get(text_key) or ""
        return text

    def empty(self, text_key: str) -> None:
        st.session_state[text_key] = ""


HISTORY = HistoryState()
