"""History's compare view: `?compare=3,7` (a shareable link), or 2 to 4 selected images and "Compare"."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from core.app import gallery
from core.app.services import Services
from core.domain.comparison import MAX_COMPARED, MIN_COMPARED, parse_compare_ids, record_facts
from core.domain.errors import InputError
from core.domain.records import ImageRecordView
from ui.history.share_panel import share_panel
from ui.record_display import thumbnail_url
from ui.side_by_side import ComparedImage, side_by_side

PARAM = "compare"


def compare_link(record_ids: Sequence[int]) -> str:
    return f"/history?{PARAM}={','.join(str(record_id) for record_id in record_ids)}"


def _open(record_ids: list[int]) -> None:
    st.query_params[PARAM] = ",".join(str(record_id) for record_id in record_ids)


def _close() -> None:
    if PARAM in st.query_params:
        del st.query_params[PARAM]


def compare_button(selected: Sequence[ImageRecordView]) -> None:
    """Beside the bulk actions: compare the selected images (2 to 4 of them)."""
    ids = [record.id for record in selected]
    fits = MIN_COMPARED <= len(ids) <= MAX_COMPARED
    st.button(
        f"Compare {len(ids)} side by side",
        key="history_compare",
        disabled=not fits,
        help=None if fits else f"Select {MIN_COMPARED} to {MAX_COMPARED} images to compare them.",
        on_click=_open,
        args=(ids,),
    )


def show_comparison(current: Services) -> None:
    """The images the URL names, side by side, above the results; nothing without `?compare=`."""
    raw = st.query_params.get(PARAM)
    if not raw:
        return
    st.subheader("Compare")
    try:
        ids = parse_compare_ids(raw)
    except InputError as exc:
        st.warning(str(exc), icon="🔗")
        st.button("Close compare", key="history_compare_close", on_click=_close)
        return
    found = {record.id: record for record in gallery.get_records(current.records, ids)}
    if missing := [record_id for record_id in ids if record_id not in found]:
        st.warning(f"Not saved (any more): {', '.join(f'#{n}' for n in missing)}.", icon="🔗")
    shown = [found[record_id] for record_id in ids if record_id in found]
    if len(shown) >= MIN_COMPARED:
        side_by_side(
            [ComparedImage(f"#{r.id}", thumbnail_url(current, r.image_filename), record_facts(r)) for r in shown]
        )
    link, close = st.columns([4, 1], vertical_alignment="center")
    link.caption("Share this comparison:")
    link.code(compare_link(ids), language=None)
    close.button("Close compare", key="history_compare_close", on_click=_close)
    if shown:
        share_panel(current, [record.id for record in shown], key="history_compare_share")
    st.divider()
