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
from ui.history.state import (
    BY_KEY,
    FOLD_KEY,
    HISTORY,
    Q_KEY,
    SINCE_KEY,
    SIZE_KEY,
    SORT_KEY,
    STARRED_KEY,
    TAGS_KEY,
    UNTIL_KEY,
    VIEW_KEY,
)
from ui.navigation import CREATE_PAGE, link_to_page

ANYONE = ""
# Filters outlive the page: Streamlit keeps these widgets' values when the visitor goes elsewhere and back.
KEEP: Final = "session"


def link_notices() -> None:
    """A notice for each thing the link asked for that cannot be shown, instead of an error or silence."""
    for problem in link_problems({name: st.query_params.get_all(name) for name in st.query_params}):
        st.warning(problem, icon="🔗")


def filter_state_from_url() -> None:
    """Seed the filter widgets from the URL the first time they appear in this session."""
    HISTORY.seed_filters(HistoryFilters.from_params({name: st.query_params.get_all(name) for name in st.query_params}))


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


def fetch_page(reader: RecordReader, filters: HistoryFilters) -> tuple[HistoryFilters, HistoryPage]:
    """One page of results; a page number past the end (stale link, deletions) moves to the last page."""
    page = gallery.search(reader, filters.query())
    last = page_count(page.total, filters.page_size)
    if filters.page > last:
        filters = replace(filters, page=last)
        page = gallery.search(reader, filters.query())
    HISTORY.page = filters.page  # the page widget is drawn later in this run, so this is allowed
    HISTORY.page_ids = [record.id for record in page.records]  # previous/next in the detail
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
        on_change=HISTORY.restart_paging,
        persist_state=KEEP,
    )
    from ui.history.meaning import meaning_toggle  # imported here: meaning.py builds on this module

    meaning_toggle(words)
    view.radio(
        "View",
        VIEWS,
        key=VIEW_KEY,
        format_func=str.title,
        horizontal=True,
        on_change=HISTORY.close_detail,
        persist_state=KEEP,
    )
    in_use = HISTORY.filters().folded_in_use
    with st.expander(f"Filters · {in_use} in use" if in_use else "Filters", key=FOLD_KEY, icon=":material/tune:"):
        _order_and_dates()
        _gallery_filters(reader, me)
    return HISTORY.filters()


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
            on_change=HISTORY.restart_paging,
            format="YYYY-MM-DD",
            help="Inclusive, in UTC days. Leave empty (or clear it) for no limit.",
            persist_state=KEEP,
        )
    order.selectbox(
        "Order",
        ("newest", "oldest"),
        key=SORT_KEY,
        format_func=lambda o: f"{o.title()} first",
        on_change=HISTORY.restart_paging,
        persist_state=KEEP,
    )
    size.selectbox("Per page", PAGE_SIZES, key=SIZE_KEY, on_change=HISTORY.restart_paging, persist_state=KEEP)


def _gallery_filters(reader: RecordReader, me: str | None) -> None:
    starred, tags, by, clear = st.columns([1.2, 4, 2.2, 1.2], vertical_alignment="bottom")
    starred.toggle("Starred only", key=STARRED_KEY, on_change=HISTORY.restart_paging, persist_state=KEEP)
    counts = dict(tag_counts(reader))
    chosen = [tag for tag in HISTORY.chosen_tags if tag not in counts]
    tags.multiselect(
        "Tags (all must match)",
        [*counts, *chosen],  # a linked tag nobody uses any more stays visible, with 0
        key=TAGS_KEY,
        format_func=lambda tag: f"{tag} ({counts.get(tag, 0)})",
        max_selections=MAX_FILTER_TAGS,
        placeholder="Any tags" if counts else "No tags yet",
        on_change=HISTORY.restart_paging,
        persist_state=KEEP,
    )
    people = gallery.creators(reader)
    options = [ANYONE, *([me] if me else []), *(p for p in people if p != me)]
    if (linked := HISTORY.chosen_by) and linked not in options:
        options.append(linked)
    by.selectbox(
        "Made by",
        options,
        key=BY_KEY,
        format_func=lambda who: "Anyone" if who == ANYONE else (f"Me ({who})" if who == me else who),
        on_change=HISTORY.restart_paging,
        persist_state=KEEP,
    )
    clear.button("Clear filters", key="history_clear_filters", on_click=HISTORY.clear_filters, width="stretch")


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
