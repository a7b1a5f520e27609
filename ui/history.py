"""History page pieces: filters kept in the URL, the results table and gallery, and one image's detail view."""

from __future__ import annotations

import csv
import io
import logging
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import PurePosixPath

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.errors import StreamlitAPIException

from core.config import Settings
from core.errors import AppError, DatabaseError
from core.records import HistoryPage, HistoryQuery, ImageRecordView
from core.redaction import redact
from core.repository import RecordRepository
from core.services import Services
from core.storage import content_type_for

log = logging.getLogger(__name__)

CREATE_PAGE = "pages/create.py"
HISTORY_PAGE = "pages/history.py"
PAGE_SIZES = (10, 25, 50, 100)
DEFAULT_PAGE_SIZE = 25
VIEWS = ("table", "gallery")
MAX_SEARCH_CHARS = 200
MAX_PAGE = 1_000_000
EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(2100, 12, 31)
CSV_ROW_CAP = 10_000
CSV_BATCH = 500
CSV_FIELDS = (
    "id", "created_at", "prompt", "description", "transcript", "image_filename", "thumbnail_filename",
    "content_type", "width", "height", "size_bytes", "seed", "aspect_ratio", "output_format",
    "image_model", "caption_model", "speech_model", "total_ms",
)  # fmt: skip
STAGE_ORDER = ("transcribe", "generate", "caption", "upload")

# Session-state keys; widgets use them as `key=` so tests and callbacks can reach them.
Q_KEY, SINCE_KEY, UNTIL_KEY = "history_q", "history_since", "history_until"
SORT_KEY, SIZE_KEY, PAGE_KEY, VIEW_KEY = "history_sort", "history_size", "history_page", "history_view"
TABLE_KEY, OPEN_KEY = "history_table", "history_open_id"
CONFIRM_KEY, FLASH_KEY = "history_confirm_delete", "history_flash"
NO_SELECTION = {"selection": {"rows": [], "columns": [], "cells": []}}

UNEXPECTED = "Something unexpected went wrong. Try again; if it keeps happening, check the server log."
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


@dataclass(frozen=True)
class HistoryFilters:
    """What the History page shows; the same values live in the URL's query parameters."""

    search: str = ""
    since: date | None = None
    until: date | None = None
    newest_first: bool = True
    page_size: int = DEFAULT_PAGE_SIZE
    page: int = 1
    view: str = "table"

    @property
    def narrows(self) -> bool:
        """True when words or dates hide some records (sort, size and view never do)."""
        return bool(self.search.strip() or self.since or self.until)

    def query(self) -> HistoryQuery:
        return HistoryQuery(
            search=self.search.strip() or None,
            since=self.since,
            until=self.until,
            newest_first=self.newest_first,
            limit=self.page_size,
            offset=(self.page - 1) * self.page_size,
        )

    def to_params(self) -> dict[str, str]:
        """Query parameters for the values that differ from the defaults, so links stay short."""
        params = {
            "q": self.search.strip(),
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "sort": "" if self.newest_first else "oldest",
            "size": "" if self.page_size == DEFAULT_PAGE_SIZE else str(self.page_size),
            "page": "" if self.page == 1 else str(self.page),
            "view": "" if self.view == "table" else self.view,
        }
        return {name: value for name, value in params.items() if value}

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> HistoryFilters:
        """Read query parameters, replacing anything unusable (hand-edited links) by its default."""
        size = _whole_number(params.get("size"))
        view = params.get("view", "")
        return cls(
            search=" ".join(str(params.get("q", "")).split())[:MAX_SEARCH_CHARS],
            since=_day(params.get("since")),
            until=_day(params.get("until")),
            newest_first=params.get("sort") != "oldest",
            page_size=size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE,
            page=min(max(_whole_number(params.get("page")) or 1, 1), MAX_PAGE),
            view=view if view in VIEWS else "table",
        )


def _day(value: str | None) -> date | None:
    try:
        day = date.fromisoformat(str(value).strip()) if value else None
    except ValueError:
        return None
    return day if day and EARLIEST_DAY <= day <= LATEST_DAY else None


def _whole_number(value: str | None) -> int | None:
    try:
        return int(str(value).strip()) if value else None
    except ValueError:
        return None


def page_count(total: int, page_size: int) -> int:
    return max(1, math.ceil(total / page_size))


def showing_label(filters: HistoryFilters, total: int, shown: int) -> str:
    if total == 0 or shown == 0:
        return f"No images on this page ({total} in all)."
    first = (filters.page - 1) * filters.page_size + 1
    return f"Showing {first}–{first + shown - 1} of {total}"


def escape_markdown(text: str) -> str:
    """User text made inert for st.markdown: every ASCII punctuation mark backslash-escaped."""
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)


def format_ms(milliseconds: float) -> str:
    return f"{milliseconds:.0f} ms" if milliseconds < 1000 else f"{milliseconds / 1000:.1f} s"


def format_bytes(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    return f"{size / 1024:.0f} KB" if size < 1024**2 else f"{size / 1024**2:.1f} MB"


def thumbnail_key(record: ImageRecordView) -> str:
    # Rows adopted from the Gradio app have no thumbnail; the full image (on Spaces) stands in.
    return record.thumbnail_filename or record.image_filename


def history_frame(records: Sequence[ImageRecordView], thumbnail_url: Callable[[str], str | None]) -> pd.DataFrame:
    """One row per record for st.dataframe; `thumbnail_url` turns a storage key into a browser URL."""
    rows = [
        {
            "id": record.id,
            "thumbnail": thumbnail_url(thumbnail_key(record)),
            "prompt": record.prompt,
            "caption": record.description,
            "created_at": record.created_at,
            "aspect_ratio": record.aspect_ratio,
            "pixels": f"{record.width}×{record.height}" if record.width and record.height else None,
            "size_kb": round(record.size_bytes / 1024, 1) if record.size_bytes else None,
            "models": " + ".join(m for m in (record.image_model, record.caption_model) if m) or None,
            "total_s": round(sum(record.timings_ms.values()) / 1000, 2) if record.timings_ms else None,
        }
        for record in records
    ]
    frame = pd.DataFrame(rows, columns=list(COLUMN_CONFIG))
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    return frame


def history_csv(
    repository: RecordRepository, filters: HistoryFilters, *, cap: int = CSV_ROW_CAP, batch: int = CSV_BATCH
) -> str:
    """Every record matching the filters (at most `cap`), fetched `batch` rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_FIELDS)
    base = replace(filters, page=1).query()
    written = 0
    while written < cap:
        limit = min(batch, cap - written)
        records = repository.search(query=replace(base, limit=limit, offset=written)).records
        writer.writerows(_csv_row(record) for record in records)
        written += len(records)
        if len(records) < limit:
            break
    return buffer.getvalue()


def _csv_row(record: ImageRecordView) -> list[object]:
    text = {"prompt": record.prompt, "description": record.description, "transcript": record.transcript or ""}
    values = {name: getattr(record, name, None) for name in CSV_FIELDS}
    values.update({name: _spreadsheet_safe(value) for name, value in text.items()})
    values["created_at"] = record.created_at.isoformat()
    values["total_ms"] = round(sum(record.timings_ms.values()), 1) if record.timings_ms else None
    return [values[name] for name in CSV_FIELDS]


def _spreadsheet_safe(text: str) -> str:
    # Spreadsheets run cells starting with these as formulas; a leading quote keeps them text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def download_name(record: ImageRecordView) -> tuple[str, str]:
    """(file name, media type) for the download button, from the stored key, never from user text."""
    suffix = PurePosixPath(record.image_filename).suffix.lower() or f".{record.output_format or 'webp'}"
    return f"image-{record.id}{suffix}", record.content_type or content_type_for(record.image_filename)


def record_facts(record: ImageRecordView) -> list[tuple[str, str]]:
    """Label and value of every known piece of metadata, in reading order."""
    stages = sorted(record.timings_ms, key=lambda s: (STAGE_ORDER.index(s) if s in STAGE_ORDER else 99, s))
    facts = [
        ("Created", record.created_at.strftime("%Y-%m-%d %H:%M:%S UTC")),
        ("Pixels", f"{record.width} × {record.height}" if record.width and record.height else ""),
        ("File size", format_bytes(record.size_bytes) if record.size_bytes else ""),
        ("Format", record.output_format or ""),
        ("Aspect ratio", record.aspect_ratio or ""),
        ("Seed", "" if record.seed is None else str(record.seed)),
        ("Image model", record.image_model or ""),
        ("Caption model", record.caption_model or ""),
        ("Speech model", record.speech_model or ""),
        ("Stage times", ", ".join(f"{stage} {format_ms(record.timings_ms[stage])}" for stage in stages)),
        ("Total time", format_ms(sum(record.timings_ms.values())) if record.timings_ms else ""),
    ]
    return [(label, value) for label, value in facts if value]


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


# --- Streamlit glue -------------------------------------------------------------------------------


def link_to_page(page: str, label: str, icon: str | None = None) -> None:
    """A link to another page; run alone (AppTest, no st.navigation) it becomes a hint instead."""
    try:
        st.page_link(page, label=label, icon=icon)
    except StreamlitAPIException:
        st.caption(f"{label}: open it from the navigation.")


def thumbnail_url(current: Services, key: str) -> str | None:
    """A URL for one stored object, reused across reruns; None (an empty cell) if it cannot be made."""
    try:
        return current.urls.url(key)
    except AppError as exc:
        log.warning("No URL for %s: %s", key, exc)
        return None


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
    for name in ("q", "since", "until", "sort", "size", "page", "view"):
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


def remember_outcome(current: Services, action: Callable[[], str]) -> None:
    """Run a button's action and keep what to tell the user, to show after the rerun it causes."""
    try:
        st.session_state[FLASH_KEY] = ("success", action())
    except AppError as exc:
        st.session_state[FLASH_KEY] = ("error", redact(str(exc), current.settings.secret_values))
    except Exception:
        log.exception("Unexpected failure in a History action")
        st.session_state[FLASH_KEY] = ("error", UNEXPECTED)


def show_flash() -> None:
    if flash := st.session_state.pop(FLASH_KEY, None):
        level, message = flash
        (st.success if level == "success" else st.error)(message, icon="✅" if level == "success" else "⚠️")


def recaption(current: Services, record_id: int) -> None:
    def action() -> str:
        record = current.repository.get(record_id=record_id)
        if record is None:
            raise DatabaseError(f"Image #{record_id} was deleted meanwhile: pick another one.")
        current.pipeline.recaption(record)
        return f"New caption saved for image #{record_id}."

    remember_outcome(current, action)


def delete_record(current: Services, record_id: int) -> None:
    def action() -> str:
        record = current.repository.get(record_id=record_id)
        if record is None:
            return f"Image #{record_id} was already deleted."
        current.pipeline.delete(record)
        for key in (record.image_filename, record.thumbnail_filename):
            if key:
                current.urls.forget(key)
        return f"Deleted image #{record_id}, its file and its thumbnail."

    remember_outcome(current, action)
    close_detail()


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
    dates = {
        "min_value": EARLIEST_DAY,
        "max_value": LATEST_DAY,
        "on_change": restart_paging,
        "format": "YYYY-MM-DD",
        "help": "Inclusive, in UTC days. Leave empty for no limit.",
    }
    since.date_input("Since", key=SINCE_KEY, **dates)  # type: ignore[arg-type]
    until.date_input("Until", key=UNTIL_KEY, **dates)  # type: ignore[arg-type]
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
                text = " ".join((record.description or record.prompt).split())
                st.caption(escape_markdown(text[:120] + ("…" if len(text) > 120 else "")))
                st.button("Open", key=f"history_open_{record.id}", on_click=open_record, args=(record.id,))
    opened = st.session_state.get(OPEN_KEY)
    return next((record for record in records if record.id == opened), None)


def detail_view(current: Services, record: ImageRecordView) -> None:
    """The full image, its metadata, transcript beside prompt, and what can be done with it."""
    with st.container(border=True):
        heading, close = st.columns([6, 1])
        heading.subheader(f"Image #{record.id}")
        close.button("Close", key="history_close", on_click=close_detail)
        picture, facts = st.columns([3, 2])
        image_bytes = _show_image(current, record, picture)
        facts.markdown("\n".join(f"- **{label}:** {escape_markdown(value)}" for label, value in record_facts(record)))
        prompt, transcript = st.columns(2)
        prompt.markdown("**Prompt**")
        prompt.code(record.prompt, language=None, wrap_lines=True)
        transcript.markdown("**Transcript**")
        if record.transcript:
            transcript.code(record.transcript, language=None, wrap_lines=True)
        else:
            transcript.caption("Typed, not spoken: there is no transcript.")
        st.markdown(f"**Caption:** {escape_markdown(record.description) or '_none_'}")
        _actions(current, record, image_bytes)


def _show_image(current: Services, record: ImageRecordView, where: DeltaGenerator) -> bytes | None:
    """Local files are sent as bytes (also reused for the download); Spaces images load from their URL."""
    try:
        if current.settings.spaces is None:
            data = current.store.get(record.image_filename)
            where.image(data, width="stretch")
            return data
        where.image(current.urls.url(record.image_filename), width="stretch")
    except AppError as exc:
        where.warning(redact(str(exc), current.settings.secret_values), icon="🖼️")
    return None


def _actions(current: Services, record: ImageRecordView, image_bytes: bytes | None) -> None:
    download, reuse, again, remove = st.columns(4)
    file_name, mime = download_name(record)
    store, key = current.store, record.image_filename
    download.download_button(
        "Download image",
        # Spaces: fetched only when clicked, so browsing never downloads full images to the server.
        data=image_bytes if image_bytes is not None else (lambda: store.get(key)),
        file_name=file_name,
        mime=mime,
        key="history_download",
        on_click="ignore",
    )
    if reuse.button("Use this prompt again", key="history_reuse"):
        st.session_state["prefill_prompt"] = record.prompt
        try:
            st.switch_page(CREATE_PAGE)
        except StreamlitAPIException:  # run alone, outside st.navigation
            st.info("The prompt is ready: open the Create page to use it.")
    if again.button("Regenerate caption", key="history_recaption"):
        with st.spinner("Writing a new caption (the first one also loads the caption model)…"):
            recaption(current, record.id)
        st.rerun()  # redraw the table above with the new caption
    remove.button("Delete…", key="history_delete", on_click=lambda: st.session_state.update({CONFIRM_KEY: record.id}))
    if st.session_state.get(CONFIRM_KEY) == record.id:
        st.warning(f"Delete image #{record.id}, its file and its thumbnail for good? This cannot be undone.")
        yes, no = st.columns(2)
        yes.button(
            "Yes, delete it",
            key="history_delete_confirm",
            type="primary",
            on_click=delete_record,
            args=(current, record.id),
        )
        no.button("Cancel", key="history_delete_cancel", on_click=lambda: st.session_state.pop(CONFIRM_KEY, None))


def csv_download(current: Services, filters: HistoryFilters, total: int) -> None:
    repository = current.repository
    st.download_button(
        f"Download {min(total, CSV_ROW_CAP)} matching rows as CSV",
        data=lambda: history_csv(repository, filters),  # built only when clicked
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
