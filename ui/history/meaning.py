"""History's search by meaning and More like this: the "By meaning" toggle, the button on cards and in Detail,
and the ranked page they ask for. Each is called with one line from the filter bar, the card or the detail."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from core.app import meaning
from core.app.services import Services
from core.domain.records import HistoryPage
from ui.history.filters import HistoryFilters
from ui.history.state import HISTORY, MEANING_KEY
from ui.history.view import fetch_page


def meaning_toggle(where: DeltaGenerator) -> None:
    where.toggle(
        "By meaning",
        key=MEANING_KEY,
        on_change=HISTORY.restart_paging,
        help="Find pictures by what they show: 'the puppy by the sea' finds a dog on a beach. Exact words still count.",
    )


def like_button(record_id: int, where: DeltaGenerator | None = None, *, key_prefix: str = "history_like") -> None:
    """ "More like this": list the records nearest in meaning to this one (it is left out)."""
    (where or st).button(
        "More like this", key=f"{key_prefix}_{record_id}", on_click=show_like, args=(record_id,), type="tertiary"
    )


def ranked_page(current: Services, filters: HistoryFilters) -> HistoryPage | None:
    """The page History shows in a ranked mode (More like this, or By meaning with words typed); None otherwise.

    Every other filter still applies; the order is by rank, so the page's order setting does not.
    """
    like = HISTORY.like
    by_meaning = HISTORY.by_meaning and filters.search.strip()
    if like is None and not by_meaning:
        return None
    query = replace(filters.query(), search=None)
    wanted = filters.page * filters.page_size
    if like is not None:
        found = meaning.more_like_this(
            current.records, current.vectors, current.embedder, record_id=like, query=query, limit=wanted
        )
    else:
        found = meaning.search_by_meaning(
            current.records, current.vectors, current.embedder, text=filters.search, query=query, limit=wanted
        )
    records = [item.record for item in found][(filters.page - 1) * filters.page_size :]
    HISTORY.page_ids = [record.id for record in records]
    return HistoryPage(records=records, total=len(found))


def fetch(current: Services, filters: HistoryFilters) -> tuple[HistoryFilters, HistoryPage]:
    """History's page: ranked when a ranked mode is on, else the filtered page by date (view.fetch_page)."""
    page = ranked_page(current, filters)
    return (filters, page) if page is not None else fetch_page(current.records, filters)


def like_banner() -> None:
    """While More like this is on: which record it is like, and the way back to the whole history."""
    like = HISTORY.like
    if like is None:
        return
    text, back = st.columns([5, 1], vertical_alignment="center")
    text.info(f"Pictures most like #{like}, closest first.")
    back.button("Show all", key="history_like_clear", on_click=_clear_like)


def show_like(record_id: int) -> None:
    HISTORY.like = record_id
    HISTORY.clear_search()
    HISTORY.restart_paging()


def _clear_like() -> None:
    HISTORY.like = None
    HISTORY.restart_paging()
