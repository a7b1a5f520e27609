"""History page widgets: the filter bar (kept in the URL), the pager, the results table and gallery, CSV export."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import streamlit as st

from core.config import Settings
from core.export import CSV_ROW_CAP, history_csv
from core.records import HistoryPage, ImageRecordView
from core.services import Services
from ui.history_filters import (
    EARLIEST_DAY,
    LATEST_DAY,
    MAX_SEARCH_CHARS,
    PAGE_SIZES,
    URL_PARAMS,
    VIEWS,
    HistoryFilters,
    page_count,
    showing_label,
)
from ui.navigation import CREATE_PAGE, link_to_page
from ui.record_display import card_text, history_frame, thumbnail_key, thumbnail_url

# Session-state keys; widgets use them as `key=` so tests and callbacks can reach them.
Q_KEY, SINCE_KEY, UNTIL_KEY = "history_q", "history_since", "history_until"
SORT_KEY, SIZE_KEY, PAGE_KEY, VIEW_KEY = "history_sort", "history_size", "history_page", "history_view"
TABLE_KEY, OPEN_KEY, CONFIRM_KEY = "history_table", "history_open_id", "history_confirm_delete"
NO_SELECTION: dict[str, dict[str, list[object]]] = {"selection": {"rows": [], "columns": [], "cells": []}}

COLUMN_CONFIG = {
    "id": st.column_config.NumberColumn("#", format="%d", width="small"),
    "thumbnail": st.column_config.ImageColumn("Image", width="small"),
    "prompt": st.column_config.TextColumn("Prompt", width="large"),
    "caption": st.column_config.TextColumn("Caption", width="medium"),
    "created_at": st.column_config.DatetimeColumn("Created (UTC)", format="YYYY-MM-DD HH:mm", timezone="UTC"),
    "aspect_ratio": st.column_config.TextColumn("Aspect"),
    "pixels": st.column_config.TextColumn("Pixels"),
    "size_kb": st.column_config.NumberColumn("KB", format="%.0f"),
    "models": st.column_config.TextColumn("Models"),
    "total_s": st.column_config.NumberColumn("Total (s)", format="%.1f"),
}


def filter_state_from_url() -> None:
    """Seed the filter widgets from the URL the first time they appear in this session."""
    start = HistoryFilters.from_params(st.query_params.to_dict())
    seeds = {
        Q_KEY: start.search,
        SINCE_KEY: start.since,
        UNTIL_KEY: start.until,
        SORT_KEY: "newest" if start.newest_first else "oldest",
        SIZE_KEY: start.page_size,
        PAGE_KEY: start.page,
        VIEW_KEY: start.view,
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
    )


def write_url(filters: HistoryFilters) -> None:
    """Mirror the filters into the URL so the view can be shared; untouched parameters stay as they are."""
    wanted = filters.to_params()
    for name in URL_PARAMS:
        if name in wanted and st.query_params.get(name) != wanted[name]:
            st.query_params[name] = wanted[name]
        elif name not in wanted and name in st.query_params:
            del st.query_params[name]


def close_detail() -> None:
    st.session_state[TABLE_KEY] = NO_SELECTION
    for key in (OPEN_KEY, CONFIRM_KEY):
        st.session_state.pop(key, None)


def restart_paging() -> None:
    """Any new filter starts again at page 1, with nothing opened."""
    st.session_state[PAGE_KEY] = 1
    close_detail()


def clear_filters() -> None:
    st.session_state.update({Q_KEY: "", SINCE_KEY: None, UNTIL_KEY: None})
    restart_paging()


def step_page(step: int) -> None:
    st.session_state[PAGE_KEY] = max(1, st.session_state[PAGE_KEY] + step)
    close_detail()


def open_record(record_id: int) -> None:
    st.session_state.pop(CONFIRM_KEY, None)
    st.session_state[OPEN_KEY] = record_id


def fetch_page(current: Services, filters: HistoryFilters) -> tuple[HistoryFilters, HistoryPage]:
    """One page of results; a page number past the end (stale link, deletions) moves to the last page."""
    page = current.repository.search(query=filters.query())
    last = page_count(page.total, filters.page_size)
    if filters.page > last:
        filters = replace(filters, page=last)
        page = current.repository.search(query=filters.query())
    st.session_state[PAGE_KEY] = filters.page  # the page widget is drawn later in this run, so this is allowed
    return filters, page


def filter_bar() -> HistoryFilters:
    """Search words, date range, order, page size and view; any change of filter goes back to page 1."""
    filter_state_from_url()
    words, since, until, order, size, view = st.columns([3, 1.3, 1.3, 1.3, 1, 1.4], vertical_alignment="bottom")
    words.text_input(
        "Search",
        key=Q_KEY,
        max_chars=MAX_SEARCH_CHARS,
        placeholder="Words in the prompt, caption or transcript",
        on_change=restart_paging,
    )
    for column, label, key in ((since, "Since", SINCE_KEY), (until, "Until", UNTIL_KEY)):
        column.date_input(
            label,
            key=key,
            min_value=EARLIEST_DAY,
            max_value=LATEST_DAY,
            on_change=restart_paging,
            format="YYYY-MM-DD",
            help="Inclusive, in UTC days. Leave empty for no limit.",
        )
    order.selectbox(
        "Order",
        ("newest", "oldest"),
        key=SORT_KEY,
        format_func=lambda o: f"{o.title()} first",
        on_change=restart_paging,
    )
    size.selectbox("Per page", PAGE_SIZES, key=SIZE_KEY, on_change=restart_paging)
    view.radio("View", VIEWS, key=VIEW_KEY, format_func=str.title, horizontal=True, on_change=close_detail)
    return current_filters()


def pager(filters: HistoryFilters, total: int, shown: int) -> None:
    last = page_count(total, filters.page_size)
    label, previous, number, following = st.columns([4, 1, 1.4, 1], vertical_alignment="bottom")
    label.caption(f"{showing_label(filters, total, shown)} · page {filters.page} of {last}")
    previous.button("◀ Previous", key="history_previous", disabled=filters.page <= 1, on_click=step_page, args=(-1,))
    number.number_input(
        "Page", min_value=1, max_value=last, step=1, key=PAGE_KEY, on_change=close_detail, label_visibility="collapsed"
    )
    following.button("Next ▶", key="history_next", disabled=filters.page >= last, on_click=step_page, args=(1,))


def results_table(current: Services, records: Sequence[ImageRecordView]) -> ImageRecordView | None:
    """The page as a table of thumbnails and metadata; the selected row is returned."""
    frame = history_frame(records, lambda key: thumbnail_url(current, key))
    event = st.dataframe(
        frame,
        key=TABLE_KEY,
        on_select="rerun",
        selection_mode="single-row",
        hide_index=True,
        column_config=COLUMN_CONFIG,
        row_height=64,
    )
    rows = event.selection.rows
    return records[rows[0]] if rows and rows[0] < len(records) else None


def gallery(current: Services, records: Sequence[ImageRecordView], columns: int = 4) -> ImageRecordView | None:
    """The same page as a grid of thumbnails; each has a button that opens its detail."""
    for start in range(0, len(records), columns):
        for cell, record in zip(st.columns(columns), records[start : start + columns], strict=False):
            with cell, st.container(border=True):
                if url := thumbnail_url(current, thumbnail_key(record)):
                    st.image(url, width="stretch")
                st.caption(card_text(record, 120))
                st.button("Open", key=f"history_open_{record.id}", on_click=open_record, args=(record.id,))
    opened = st.session_state.get(OPEN_KEY)
    return next((record for record in records if record.id == opened), None)


def csv_download(current: Services, filters: HistoryFilters, total: int) -> None:
    repository, query = current.repository, filters.query()
    st.download_button(
        f"Download {min(total, CSV_ROW_CAP)} matching rows as CSV",
        data=lambda: history_csv(repository=repository, query=query),  # built only when clicked
        file_name="history.csv",
        mime="text/csv",
        key="history_csv",
        on_click="ignore",
        help=f"Everything the filters match, up to {CSV_ROW_CAP:,} rows; without the images.",
    )


def empty_state(filters: HistoryFilters) -> None:
    if filters.narrows:
        st.info("No saved image matches these filters. Try fewer words or a wider date range.", icon="🔎")
        st.button("Clear filters", key="history_clear_filters", on_click=clear_filters)
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
