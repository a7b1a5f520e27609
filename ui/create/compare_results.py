"""Create's compare: pick 2 to 4 of this session's images (results and edits, saved or not) and see them side by
side; saved ones carry their dates, and a share link shows the saved ones to people without the password."""

from __future__ import annotations

import streamlit as st

from core.app import gallery
from core.app.services import Services
from core.domain.comparison import MAX_COMPARED, MIN_COMPARED, draft_facts, record_facts
from core.domain.errors import AppError
from core.domain.records import ImageRecordView
from ui.create.session_images import SessionImage, session_images
from ui.create.state import COMPARE_PICK
from ui.history.share_panel import share_panel
from ui.side_by_side import ComparedImage, side_by_side

PICK_KEY = COMPARE_PICK
SHARE_KEY = "create_compare_share"


def show_compare(current: Services) -> None:
    """Nothing until there are two images; then a picker, and the picked ones side by side."""
    images = {image.key: image for image in session_images()}
    if len(images) < MIN_COMPARED:  # as can_compare(), from the list it needs anyway
        return
    st.subheader("Compare")
    picked = st.multiselect(
        f"Pick {MIN_COMPARED} to {MAX_COMPARED} images",
        list(images),
        key=PICK_KEY,
        format_func=lambda choice: images[choice].title if choice in images else "(gone)",
        max_selections=MAX_COMPARED,
    )
    chosen = [images[choice] for choice in picked if choice in images]
    if len(chosen) < MIN_COMPARED:
        return
    saved = _saved_records(current, [image.record_id for image in chosen if image.record_id is not None])
    side_by_side([_compared(image, saved) for image in chosen])
    if shareable := [image.record_id for image in chosen if image.record_id in saved]:
        share_panel(current, shareable, key=SHARE_KEY)
    if unsaved := [image.title for image in chosen if image.record_id not in saved]:
        st.caption(f"Not saved, so not in a share link: {', '.join(unsaved)}.")


def can_compare() -> bool:
    """Whether the session has images enough for compare (and so for a card's Compare box)."""
    return len(session_images()) >= MIN_COMPARED


def compare_box(image_key: str, *, key: str) -> None:
    """A card's "Compare" box, ticked while its image is among compare's picks; it adds or removes it there.

    Drawn inside Results' fragment, so a change reruns the whole page: compare sits outside the fragment.
    """
    picks = _picks()
    st.session_state[key] = image_key in picks  # before the box is drawn: it shows what the picker holds
    full = image_key not in picks and len(picks) >= MAX_COMPARED
    st.checkbox(
        "Compare",
        key=key,
        on_change=_pick,
        args=(image_key, key),
        disabled=full,
        help=f"Compare shows {MAX_COMPARED} images at most: untick one first." if full else None,
    )
    if st.session_state.pop(f"{key}_changed", False):
        st.rerun(scope="app")


def _picks() -> list[str]:
    picks: list[str] = list(st.session_state.get(PICK_KEY) or [])
    return picks


def _pick(image_key: str, key: str) -> None:
    """The box changed (a callback: before the page is drawn, so the picker shows it at once)."""
    others = [pick for pick in _picks() if pick != image_key]
    st.session_state[PICK_KEY] = [*others, image_key] if st.session_state.get(key) else others
    st.session_state[f"{key}_changed"] = True


def _compared(image: SessionImage, saved: dict[int, ImageRecordView]) -> ComparedImage:
    """A saved image's facts come from its record (its date among them); a draft has none yet."""
    record = saved.get(image.record_id) if image.record_id is not None else None
    facts = record_facts(record) if record is not None else draft_facts(image.draft)
    return ComparedImage(image.title, image.draft.image.data, facts)


def _saved_records(current: Services, record_ids: list[int]) -> dict[int, ImageRecordView]:
    """The records of the saved ones, by id; none when the database cannot answer (they compare as drafts)."""
    if not record_ids:
        return {}
    try:
        return {record.id: record for record in gallery.get_records(current.records, record_ids)}
    except AppError:
        return {}
