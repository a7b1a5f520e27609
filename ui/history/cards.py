"""The gallery: a grid of cards (thumbnail, the prompt's first line, #id, tags, a star, edit badges).

Cards are keyed containers (`st-key-history_card_<id>`), which lets one stylesheet highlight the selected
ones, give the star a 44 px target and lay the cards out in a CSS grid: two side by side on a phone, where
st.columns would stack every card into one column.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import streamlit as st

from core.app import gallery as gallery_use_cases
from core.app.services import Services
from core.domain.errors import AppError
from core.domain.records import ImageRecordView
from ui.history.actions import toggle_star
from ui.history.meaning import like_button
from ui.history.selection import SHIFT_KEY, pick_key, remember_anchor
from ui.history.view import open_record
from ui.record_display import escape_markdown, thumbnail_key, thumbnail_url

GRID_KEY = "history_grid"
PROMPT_LINE_CHARS = 90
COLUMNS = 5  # cards per row on a desktop
HIGHLIGHT = "#ff4b4b"  # Streamlit's primary colour: a selected card is outlined and tinted with it

_STYLE = f"""
.st-key-{SHIFT_KEY} {{ display: none; }}
.st-key-{GRID_KEY} [class*="st-key-history_star_"] button {{ min-width: 44px; min-height: 44px; padding: 0; }}
.st-key-{GRID_KEY} [class*="st-key-history_star_"] button p {{ font-size: 1.6rem; line-height: 1; }}
.st-key-{GRID_KEY} [class*="st-key-history_card_"] {{ transition: background-color 120ms; }}
/* One CSS grid for the whole page of cards: five across on a desktop, two on a phone, no half-empty rows. */
.st-key-{GRID_KEY} {{ display: grid !important; grid-template-columns: repeat({COLUMNS}, minmax(0, 1fr)); gap: 1rem; }}
@media (max-width: 900px) {{ .st-key-{GRID_KEY} {{ grid-template-columns: repeat(3, minmax(0, 1fr)); }} }}
@media (max-width: 640px) {{ .st-key-{GRID_KEY} {{ grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 0.5rem; }} }}
"""


def prompt_line(record: ImageRecordView, max_chars: int = PROMPT_LINE_CHARS) -> str:
    """The prompt's first line, cut to `max_chars`: what the person asked for, which names the image best."""
    first = next((line.strip() for line in record.prompt.splitlines() if line.strip()), "")
    return first[:max_chars] + ("…" if len(first) > max_chars else "")


def badges(record: ImageRecordView, with_edits: Collection[int]) -> list[str]:
    """The card's family badges: what it was edited from, and whether edits were made from it."""
    found = []
    if record.parent_id is not None:
        found.append(f"edit of #{record.parent_id}")
    if record.id in with_edits:
        found.append("has edits")
    return found


def _edited(current: Services, records: Sequence[ImageRecordView]) -> set[int]:
    try:
        return gallery_use_cases.with_edits(current.records, [record.id for record in records])
    except AppError:
        return set()  # the badge is a nicety: a failed lookup leaves it off rather than the whole gallery


def _highlight(selected: Collection[int]) -> str:
    tinted = ",".join(f".st-key-history_card_{record_id}" for record_id in selected)
    if not tinted:
        return ""
    return f"{tinted} {{ outline: 3px solid {HIGHLIGHT}; outline-offset: -1px; background-color: {HIGHLIGHT}14; }}"


def gallery(current: Services, records: Sequence[ImageRecordView], selected: Collection[int]) -> None:
    """The page as cards in a grid (two across on a phone); selected cards are outlined."""
    st.html(f"<style>{_STYLE}{_highlight(selected)}</style>")
    with_edits = _edited(current, records)
    with st.container(key=GRID_KEY):
        for record in records:
            _card(current, record, with_edits)


def card_text(record: ImageRecordView, with_edits: Collection[int]) -> str:
    """The card's words as one markdown block (one element, not three: a page draws 25 cards on every rerun).

    The prompt's first line in bold, the family badges, then the tags in grey; user text is escaped.
    """
    lines = [f"**{escape_markdown(prompt_line(record))}**"]
    if labels := badges(record, with_edits):
        lines.append(" ".join(f":{_BADGE_COLOURS[label.startswith('edit of')]}-badge[{label}]" for label in labels))
    if record.tags:
        lines.append(":gray[" + " · ".join(escape_markdown(tag) for tag in record.tags) + "]")
    return "  \n".join(lines)


_BADGE_COLOURS = {True: "violet", False: "blue"}  # an edit / an image with edits


def _card(current: Services, record: ImageRecordView, with_edits: Collection[int]) -> None:
    with st.container(border=True, key=f"history_card_{record.id}", gap="small"):
        top = st.container(horizontal=True, vertical_alignment="center", horizontal_alignment="distribute")
        top.checkbox(f"#{record.id}", key=pick_key(record.id), on_change=remember_anchor, args=(record.id,))
        top.button(
            "★" if record.starred else "☆",
            key=f"history_star_{record.id}",
            help="Unstar" if record.starred else "Star",
            on_click=toggle_star,
            args=(current, record.id, not record.starred),
            type="tertiary",
        )
        if url := thumbnail_url(current, thumbnail_key(record)):
            st.image(url, width="stretch")
        st.markdown(card_text(record, with_edits))
        actions = st.container(horizontal=True, vertical_alignment="center", gap="small")
        actions.button(
            "Open", key=f"history_open_{record.id}", on_click=open_record, args=(record.id,), width="stretch"
        )
        like_button(record.id, actions)
