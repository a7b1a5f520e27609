"""History's compare view: `?compare=3,7` (a shareable link), or 2 to 4 selected images and "Compare"."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

import streamlit as st

from core.app import gallery
from core.app.services import Services
from core.domain.comparison import MAX_COMPARED, MIN_COMPARED, parse_compare_ids, record_facts
from core.domain.errors import InputError
from core.domain.records import ImageRecordView
from ui.history.copy_button import copy_button
from ui.history.share_panel import share_panel
from ui.history.state import HISTORY, WITH_KEY
from ui.record_display import thumbnail_url
from ui.side_by_side import ComparedImage, side_by_side

PARAM = "compare"
IMAGES_KEY = "history_compare_images"
# Streamlit stacks columns one per row below 640 px; a comparison is read side by side, so on a phone it
# keeps two images per row (a third and fourth go below), each at half the width.
_PHONE_STYLE = f"""@media (max-width: 640px) {{
.st-key-{IMAGES_KEY} [data-testid="stHorizontalBlock"] {{ flex-wrap: wrap !important; gap: 0.5rem !important; }}
.st-key-{IMAGES_KEY} [data-testid="stColumn"] {{
  flex: 0 1 calc(50% - 0.25rem) !important; min-width: 0 !important; width: auto !important; }}
.st-key-{IMAGES_KEY} [data-testid="stColumn"] [data-testid="stVerticalBlock"] {{ padding: 0.5rem; }}
}}"""


def compare_link(record_ids: Sequence[int], app_url: str | None = None, page_url: str | None = None) -> str:
    """The link to this comparison as a full address people can paste anywhere.

    The app's address comes from APP_URL when set (what people use, behind any proxy), else from the address
    the browser is on; with neither (a script run without a browser) the link stays relative.
    """
    query = f"history?{PARAM}={','.join(str(record_id) for record_id in record_ids)}"
    if app_url:
        return f"{app_url.rstrip('/')}/{query}"
    if page_url and (parts := urlsplit(page_url)).scheme in ("http", "https") and parts.netloc:
        base_path = parts.path.rsplit("/", 1)[0] if parts.path.endswith("/history") else parts.path.rstrip("/")
        return f"{parts.scheme}://{parts.netloc}{base_path}/{query}"
    return f"/{query}"


def share_slot(current: Services, record_ids: Sequence[int], *, key: str) -> None:
    """The Share control, in the detail's toolbar and beside a comparison: links for people without the password."""
    if record_ids:
        share_panel(current, record_ids, key=key)


def _open(record_ids: list[int]) -> None:
    st.query_params[PARAM] = ",".join(str(record_id) for record_id in record_ids)
    HISTORY.close_detail()


def _close() -> None:
    if PARAM in st.query_params:
        del st.query_params[PARAM]


def compare_button(selected: Sequence[ImageRecordView]) -> None:
    """Beside the bulk actions: compare the selected images (2 to 4 of them)."""
    ids = [record.id for record in selected]
    fits = MIN_COMPARED <= len(ids) <= MAX_COMPARED
    st.button(
        f"Compare {len(ids)}",
        key="history_compare",
        icon=":material/compare:",
        disabled=not fits,
        help=None if fits else f"Select {MIN_COMPARED} to {MAX_COMPARED} images to compare them.",
        on_click=_open,
        args=(ids,),
    )


def _compare_typed(record_id: int) -> None:
    try:
        others = parse_compare_ids(f"{record_id},{HISTORY.compare_with}")
    except InputError as exc:
        HISTORY.tell("error", str(exc))
        return
    _open(others)


def compare_with(record: ImageRecordView, *, ids: Sequence[int]) -> None:
    """The detail's "Compare": this image beside the ones typed (its parent, or the next on the page, offered)."""
    neighbours = [n for n in ids if n != record.id]
    offered = record.parent_id or (neighbours[0] if neighbours else None)
    HISTORY.offer_compare(record.id, offered)
    with st.popover("Compare", icon=":material/compare:", key="history_detail_compare"):
        st.text_input(
            f"Compare #{record.id} with", key=WITH_KEY, placeholder="3, 7", help="1 to 3 image numbers, with commas"
        )
        st.button("Compare side by side", key="history_detail_compare_go", on_click=_compare_typed, args=(record.id,))


def show_comparison(current: Services) -> None:
    """The images the URL names, side by side, at the top of the page; nothing without `?compare=`."""
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
    link = compare_link(ids, current.settings.app_url, st.context.url)
    with st.container(horizontal=True, vertical_alignment="center", gap="small"):
        st.code(link, language=None, width="content")
        copy_button(link, key="history_compare_copy")
        share_slot(current, [record.id for record in shown], key="history_compare_share")
        st.space("stretch")
        st.button("Close compare", key="history_compare_close", on_click=_close)
    if len(shown) >= MIN_COMPARED:
        st.html(f"<style>{_PHONE_STYLE}</style>")
        with st.container(key=IMAGES_KEY):
            side_by_side(
                [ComparedImage(f"#{r.id}", thumbnail_url(current, r.image_filename), record_facts(r)) for r in shown]
            )
    st.divider()
