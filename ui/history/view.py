"""History page state and filter bar: filters kept in the session and mirrored into the URL, clearing, paging."""

from __future__ import annotations

from dataclasses import replace
from typing import Final

import streamlit as st

from core.app import gallery
from core.config.settings import Settings
from core.domain.ports import RecordReader
from core.domain.records import HistoryPage
from ui.history.filters import (
    EARLIEST_DAY,
    LATEST_DAY,
    MAX_FILTER_TAGS,
    MAX_SEARCH_CHARS,
    PAGE_SIZES,
    URL_PARAMS,
    VIEWS,
    HistoryFilters,
    link_problems,
    page_count,
)
from ui.navigation import CREATE_PAGE, link_to_page

# Session-state keys; widgets use them as `key=` so tests and callbacks can reach them.
Q_KEY, SINCE_KEY, UNTIL_KEY = "history_q", "history_since", "history_until"
SORT_KEY, SIZE_KEY, PAGE_KEY, VIEW_KEY = "history_sort", "history_size", "history_page", "history_view"
STARRED_KEY, TAGS_KEY, BY_KEY = "history_starred", "history_tags", "history_by"
FOLD_KEY = "history_filters_fold"  # the "Filters" expander: open or folded
FAMILY_KEY = "history_family"  # not a widget: set by a link (?family=N) or a family strip's "List the family"
TABLE_KEY, OPEN_KEY, CONFIRM_KEY = "history_table", "history_open_id", "history_confirm_delete"
PICKED_KEY = "history_picked"  # the ids of the gallery cards ticked (ui.history.selection)
PAGE_IDS_KEY, PREVIOUS_ROWS_KEY = "_history_page_ids", "_history_previous_rows"
NO_SELECTION: dict[str, dict[str, list[object]]] = {"selection": {"rows": [], "columns": [], "cells": []}}
ANYONE = ""
# Filters outlive the page: Streamlit keeps these widgets' values when the visitor goes elsewhere and back.
KEEP: Final = "session"


def link_notices() -> None:
    """A notice for each thing the link asked for that cannot be shown, instead of an error or silence."""
    for problem in link_problems({name: st.query_params.get_all(name) for name in st.query_params}):
        st.warning(problem, icon="🔗")


def filter_state_from_url() -> None:
    """Seed the filter widgets from the URL the first time they appear in this session."""
    start = HistoryFilters.from_params({name: st.query_params.get_all(name) for name in st.query_params})
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


def current_filters() -> HistoryFilters:
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


def write_url(filters: HistoryFilters) -> None:
    """Mirror the filters into the URL so the view can be shared; untouched parameters stay as they are."""
    wanted = filters.to_params()
    for name in URL_PARAMS:
        if name in wanted and st.query_params.get(name) != wanted[name]:
            st.query_params[name] = wanted[name]
        elif name not in wanted and name in st.query_params and not _names_the_view(name, filters):
            del st.query_params[name]


def _names_the_view(name: str, filters: HistoryFilters) -> bool:
    """`view=gallery` in a link (from when the table was the default) stays: it is still true and still works."""
    return name == "view" and st.query_params.get(name) == filters.view


def clear_selection() -> None:
    st.session_state[TABLE_KEY] = NO_SELECTION
    st.session_state[PREVIOUS_ROWS_KEY] = []
    st.session_state[PICKED_KEY] = []


def close_detail() -> None:
    for key in (OPEN_KEY, CONFIRM_KEY):
        st.session_state.pop(key, None)


def restart_paging() -> None:
    """Any new filter starts again at page 1, with nothing selected or opened."""
    st.session_state[PAGE_KEY] = 1
    clear_selection()
    close_detail()


def clear_filters() -> None:
    st.session_state.update(
        {Q_KEY: "", SINCE_KEY: None, UNTIL_KEY: None, STARRED_KEY: False, TAGS_KEY: [], BY_KEY: "", FAMILY_KEY: None}
    )
    restart_paging()


def step_page(step: int) -> None:
    st.session_state[PAGE_KEY] = max(1, st.session_state[PAGE_KEY] + step)
    clear_selection()
    close_detail()


def open_record(record_id: int) -> None:
    st.session_state.pop(CONFIRM_KEY, None)
    st.session_state[OPEN_KEY] = record_id


def fetch_page(reader: RecordReader, filters: HistoryFilters) -> tuple[HistoryFilters, HistoryPage]:
    """One page of results; a page number past the end (stale link, deletions) moves to the last page."""
    page = gallery.search(reader, filters.query())
    last = page_count(page.total, filters.page_size)
    if filters.page > last:
        filters = replace(filters, page=last)
        page = gallery.search(reader, filters.query())
    st.session_state[PAGE_KEY] = filters.page  # the page widget is drawn later in this run, so this is allowed
    st.session_state[PAGE_IDS_KEY] = [record.id for record in page.records]  # previous/next in the detail
    return filters, page


def filter_bar(reader: RecordReader, me: str | None) -> HistoryFilters:
    """Words and the view on one line; dates, order, page size, stars, tags and author folded behind "Filters".

    Folded so a phone shows images after one line of controls (it was ~1,100 px of filters), and someone opening
    a shared compare link is not met by a wall of them. Any change of filter goes back to page 1.
    """
    filter_state_from_url()
    words, view = st.columns([4, 1.4], vertical_alignment="bottom")
    # The search box's row is where a "by meaning" switch goes (another part of issue 30).
    words.text_input(
        "Search",
        key=Q_KEY,
        max_chars=MAX_SEARCH_CHARS,
        placeholder="Words in the prompt, caption or transcript",
        on_change=restart_paging,
        persist_state=KEEP,
    )
    from ui.history.meaning import meaning_toggle  # imported here: meaning.py builds on this module

    meaning_toggle(words)
    view.radio(
        "View", VIEWS, key=VIEW_KEY, format_func=str.title, horizontal=True, on_change=close_detail, persist_state=KEEP
    )
    in_use = current_filters().folded_in_use
    with st.expander(f"Filters · {in_use} in use" if in_use else "Filters", key=FOLD_KEY, icon=":material/tune:"):
        _order_and_dates()
        _gallery_filters(reader, me)
    return current_filters()


def _order_and_dates() -> None:
    since, until, order, size = st.columns(4, vertical_alignment="bottom")
    # value=None makes each date clearable (an × in the box); empty means no limit.
    for column, label, key in ((since, "Since", SINCE_KEY), (until, "Until", UNTIL_KEY)):
        column.date_input(
            label,
            key=key,
            value=None,
            min_value=EARLIEST_DAY,
            max_value=LATEST_DAY,
            on_change=restart_paging,
            format="YYYY-MM-DD",
            help="Inclusive, in UTC days. Leave empty (or clear it) for no limit.",
            persist_state=KEEP,
        )
    order.selectbox(
        "Order",
        ("newest", "oldest"),
        key=SORT_KEY,
        format_func=lambda o: f"{o.title()} first",
        on_change=restart_paging,
        persist_state=KEEP,
    )
    size.selectbox("Per page", PAGE_SIZES, key=SIZE_KEY, on_change=restart_paging, persist_state=KEEP)


def _gallery_filters(reader: RecordReader, me: str | None) -> None:
    starred, tags, by, clear = st.columns([1.2, 4, 2.2, 1.2], vertical_alignment="bottom")
    starred.toggle("Starred only", key=STARRED_KEY, on_change=restart_paging, persist_state=KEEP)
    counts = dict(tag_counts(reader))
    chosen = [tag for tag in st.session_state.get(TAGS_KEY) or [] if tag not in counts]
    tags.multiselect(
        "Tags (all must match)",
        [*counts, *chosen],  # a linked tag nobody uses any more stays visible, with 0
        key=TAGS_KEY,
        format_func=lambda tag: f"{tag} ({counts.get(tag, 0)})",
        max_selections=MAX_FILTER_TAGS,
        placeholder="Any tags" if counts else "No tags yet",
        on_change=restart_paging,
        persist_state=KEEP,
    )
    people = gallery.creators(reader)
    options = [ANYONE, *([me] if me else []), *(p for p in people if p != me)]
    if (linked := st.session_state.get(BY_KEY)) and linked not in options:
        options.append(linked)
    by.selectbox(
        "Made by",
        options,
        key=BY_KEY,
        format_func=lambda who: "Anyone" if who == ANYONE else (f"Me ({who})" if who == me else who),
        on_change=restart_paging,
        persist_state=KEEP,
    )
    clear.button("Clear filters", key="history_clear_filters", on_click=clear_filters, width="stretch")


@st.cache_data(ttl=30, show_spinner=False)
def _cached_tag_counts(_reader: RecordReader, reader_id: int) -> list[tuple[str, int]]:
    return gallery.tag_counts(_reader)


def tag_counts(reader: RecordReader) -> list[tuple[str, int]]:
    """Tags in use with their counts; counting scans every record's tags, so sessions share it for 30 s."""
    return _cached_tag_counts(reader, id(reader))


def forget_tag_counts() -> None:
    """After this session changed tags (or deleted records): count again, so its own change shows at once."""
    _cached_tag_counts.clear()


def empty_state(filters: HistoryFilters) -> None:
    if filters.narrows:
        st.info("No saved image matches these filters. Try fewer words, tags or a wider date range.", icon="🔎")
    else:
        st.info("Nothing saved yet. Images you create are kept here.", icon="🖼️")
        link_to_page(CREATE_PAGE, "Create your first image", icon="🎙️")


def database_down(problem: str, settings: Settings) -> None:
    st.error(f"The history cannot be shown because the database is not available. {problem}", icon="🗄️")
    st.info(database_advice(settings))


def database_advice(settings: Settings) -> str:
    if settings.uses_embedded_database:
        return f"To fix it: make sure {settings.data_dir} is a writable folder, then reload this page."
    return (
        "To fix it: check DATABASE_URL (or DB_HOST, DB_PORT, DB_USER, DB_NAME), and that PostgreSQL is running "
        "and reachable from this server; then reload this page."
    )
