"""The gallery: a grid of cards (thumbnail, the prompt's first line, #id, tags, a star, edit badges).

The whole page of cards is ONE element, a components-v2 grid (gallery_grid.js and .css, in the page itself, no
iframe), not ~9 Streamlit elements per card: at 25 cards those took a rerun from the table's ~20 ms to ~42 ms.
The grid sends clicks back as trigger values (pick, star, open, like), handled in the callbacks below before
the rerun draws anything, so the bar above the grid already knows the new selection. Colours come from the
theme: a selected card is outlined in its primary colour, in light and dark alike.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import streamlit as st

from core.app import gallery as gallery_use_cases
from core.app.services import Services
from core.domain.errors import AppError
from core.domain.records import ImageRecordView
from ui.history.actions import toggle_star
from ui.history.meaning import show_like
from ui.history.selection import select_range, set_picked
from ui.history.state import GRID_KEY, HISTORY
from ui.record_display import thumbnail_key, thumbnail_url

PROMPT_LINE_CHARS = 90
_HERE = Path(__file__).resolve().parent
_grid = st.components.v2.component(
    "history_gallery_grid",
    css=(_HERE / "gallery_grid.css").read_text(encoding="utf-8"),
    js=(_HERE / "gallery_grid.js").read_text(encoding="utf-8"),
)


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


def card_data(
    record: ImageRecordView, with_edits: Collection[int], thumbnail: str | None, *, selected: bool
) -> dict[str, Any]:
    """What the grid draws for one card. User text (prompt, tags) goes in as data and is set as text, never HTML."""
    return {
        "id": record.id,
        "thumbnail": thumbnail,
        "title": prompt_line(record),
        "badges": [
            {"label": label, "kind": "edit" if label.startswith("edit of") else "edits"}
            for label in badges(record, with_edits)
        ],
        "tags": list(record.tags),
        "starred": record.starred,
        "selected": selected,
    }


def gallery(current: Services, records: Sequence[ImageRecordView], selected: Collection[int]) -> None:
    """The page as cards in a grid (two across on a phone); selected cards are outlined."""
    with_edits = _edited(current, records)
    cards = [
        card_data(record, with_edits, thumbnail_url(current, thumbnail_key(record)), selected=record.id in selected)
        for record in records
    ]
    _grid(
        key=GRID_KEY,
        data={"cards": cards},
        on_pick_change=_picked,
        on_star_change=partial(_starred, current),
        on_open_change=_opened,
        on_like_change=_liked,
    )


def _event(name: str) -> object:
    """The value the grid sent for `name` in this rerun (None if it sent something else)."""
    return HISTORY.grid_event(name)


def _card_id(value: object) -> int | None:
    """The id a click names, if it is a card of the page shown (the browser's word is checked, not trusted)."""
    record_id = value.get("id") if isinstance(value, Mapping) else value
    return record_id if isinstance(record_id, int) and record_id in HISTORY.page_ids else None


def _picked() -> None:
    event = _event("pick")
    if (record_id := _card_id(event)) is None or not isinstance(event, Mapping):
        return
    if event.get("range"):
        select_range(HISTORY.page_ids, record_id)
    else:
        set_picked(record_id, bool(event.get("on")))


def _starred(current: Services) -> None:
    event = _event("star")
    if (record_id := _card_id(event)) is not None and isinstance(event, Mapping):
        toggle_star(current, record_id, bool(event.get("starred")))


def _opened() -> None:
    if (record_id := _card_id(_event("open"))) is not None:
        HISTORY.open(record_id)


def _liked() -> None:
    if (record_id := _card_id(_event("like"))) is not None:
        show_like(record_id)
