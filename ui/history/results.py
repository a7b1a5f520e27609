"""History results: the pager, the table (multi-row selection) and the CSV export; the gallery is ui.history.cards."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from core.app.export import CSV_ROW_CAP, history_csv
from core.app.services import Services
from core.domain.ports import RecordReader
from core.domain.records import ImageRecordView
from ui.history.filters import HistoryFilters, page_count, showing_label
from ui.history.state import HISTORY, PAGE_KEY, TABLE_KEY
from ui.record_display import history_frame, thumbnail_url

ROW_HEIGHT = 64
# Narrow columns first; prompt and caption take what is left, so nothing needs a sideways scroll.
COLUMN_CONFIG = {
    "starred": st.column_config.TextColumn("★", width=32, help="Starred"),
    "id": st.column_config.NumberColumn("#", format="%d", width=56),
    "thumbnail": st.column_config.ImageColumn("Image", width=72),
    "prompt": st.column_config.TextColumn("Prompt", width="large"),
    "caption": st.column_config.TextColumn("Caption", width="medium"),
    "tags": st.column_config.TextColumn("Tags", width="small"),
    "created_by": st.column_config.TextColumn("By", width="small"),
    "created_at": st.column_config.DatetimeColumn(
        "Created (UTC)", format="YYYY-MM-DD HH:mm", timezone="UTC", width=130
    ),
    "total_s": st.column_config.NumberColumn("Total (s)", format="%.1f", width=72),
}


def pager(filters: HistoryFilters, total: int, shown: int) -> None:
    last = page_count(total, filters.page_size)
    # A horizontal container, not columns: on a phone it stays one or two lines instead of four stacked rows.
    bar = st.container(horizontal=True, vertical_alignment="center", gap="small")
    bar.caption(f"{showing_label(filters, total, shown)} · page {filters.page} of {last}")
    bar.space("stretch")
    # The three page controls never wrap apart (on a phone "Previous" stood alone above the page number and Next).
    pager = bar.container(horizontal=True, wrap=False, vertical_alignment="center", gap="small", width="content")
    pager.button(
        "◀ Previous", key="history_previous", disabled=filters.page <= 1, on_click=HISTORY.step_page, args=(-1,)
    )
    pager.number_input(
        "Page",
        min_value=1,
        max_value=last,
        step=1,
        key=PAGE_KEY,
        on_change=_new_page,
        label_visibility="collapsed",
        persist_state="session",
        width=110,
    )
    pager.button("Next ▶", key="history_next", disabled=filters.page >= last, on_click=HISTORY.step_page, args=(1,))


def _new_page() -> None:
    HISTORY.clear_selection()
    HISTORY.close_detail()


def table_selection(records: Sequence[ImageRecordView]) -> list[ImageRecordView]:
    """The records of the selected table rows; selecting a single row (from none or another) opens it."""
    rows = [row for row in _selected_rows(HISTORY.table_state) if 0 <= row < len(records)]
    if len(rows) == 1 and rows != HISTORY.previous_rows:
        HISTORY.open(records[rows[0]].id)
    HISTORY.previous_rows = rows
    return [records[row] for row in rows]


def _selected_rows(state: object) -> list[int]:
    try:
        # Streamlit types the dataframe's state as a plain object; its shape is checked by the except below.
        return [int(row) for row in state["selection"]["rows"]]  # type: ignore[index]
    except (KeyError, TypeError):
        return []


def results_table(current: Services, records: Sequence[ImageRecordView]) -> None:
    """The page as a table as tall as its rows (no inner box to scroll); select rows to act on them."""
    frame = history_frame(records, lambda key: thumbnail_url(current, key))
    st.dataframe(
        frame,
        key=TABLE_KEY,
        on_select="rerun",
        selection_mode="multi-row",
        hide_index=True,
        column_config=COLUMN_CONFIG,
        row_height=ROW_HEIGHT,
        height="content",
    )


def csv_download(reader: RecordReader, filters: HistoryFilters, total: int) -> None:
    query = filters.query()
    st.download_button(
        f"Download {min(total, CSV_ROW_CAP)} matching rows as CSV",
        data=lambda: history_csv(repository=reader, query=query),  # built only when clicked
        file_name="history.csv",
        mime="text/csv",
        key="history_csv",
        on_click="ignore",
        help=f"Everything the filters match, up to {CSV_ROW_CAP:,} rows; without the images.",
    )
