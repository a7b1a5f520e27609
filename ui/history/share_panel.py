"""History's Share: a link for people without the password to one image (Detail) or a compare set.

Choose how long it works, copy it (st.code has a Copy button), and see and revoke the live links of these
images with their view counts. One call from the detail view and one from the compare view.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from urllib.parse import urlsplit

import streamlit as st

from core.app import sharing
from core.app.services import Services
from core.domain.errors import AppError
from core.domain.sharing import ShareLink, parse_expiry
from ui.access.page_access import current_creator
from ui.feedback import user_message

EXPIRY_CHOICES = {"1h": "1 hour", "1d": "1 day", "7d": "7 days", "30d": "30 days", "90d": "90 days"}
DEFAULT_CHOICE = "7d"


def app_address(current: Services) -> str | None:
    """APP_URL, else the address this browser reached the app at (its origin and any base path)."""
    if current.settings.app_url:
        return current.settings.app_url
    try:
        seen = urlsplit(str(st.context.url or ""))
    except Exception:  # no browser behind this run (AppTest): nothing to build a link on
        return None
    if not seen.scheme or not seen.netloc:
        return None
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return f"{seen.scheme}://{seen.netloc}" + (f"/{base}" if base else "")


def share_panel(current: Services, record_ids: Sequence[int], *, key: str) -> None:
    """Make, copy and revoke links showing exactly these images (1 to 4), in a popover (toolbars stay one row)."""
    ids = list(record_ids)
    label = "🔗 Share this image" if len(ids) == 1 else f"🔗 Share these {len(ids)} images"
    with st.popover(label, key=f"{key}_popover"):
        st.caption("Anyone with the link sees these images with their prompts and captions, nothing else.")
        expiry, make = st.columns([2, 1], vertical_alignment="bottom")
        chosen = expiry.selectbox(
            "Link works for",
            list(EXPIRY_CHOICES),
            index=list(EXPIRY_CHOICES).index(DEFAULT_CHOICE),
            format_func=EXPIRY_CHOICES.__getitem__,
            key=f"{key}_expiry",
        )
        made_key = f"{key}_made"
        if make.button("Create link", key=f"{key}_create", type="primary"):
            _create(current, ids, parse_expiry(chosen), made_key)
        if made := st.session_state.get(made_key):
            url, until = made
            st.code(url, language=None)
            st.caption(f"Works until {until} UTC. Copy it now: the link is shown only once.")
        _live_links(current, ids, key)


def _create(current: Services, ids: list[int], expires_in: timedelta, made_key: str) -> None:
    try:
        made = sharing.create_link(
            current.shares,
            current.records,
            record_ids=ids,
            expires_in=expires_in,
            app_url=app_address(current),
            created_by=current_creator(),
        )
    except AppError as exc:
        st.error(user_message(exc, current.settings.secret_values), icon="🔗")
        return
    st.session_state[made_key] = (made.url, f"{made.link.expires_at:%Y-%m-%d %H:%M}")


def _live_links(current: Services, ids: list[int], key: str) -> None:
    try:
        links = [link for link in sharing.live_links(current.shares, record_id=ids[0]) if _shows(link, ids)]
    except AppError as exc:
        st.warning(user_message(exc, current.settings.secret_values), icon="🔗")
        return
    if not links:
        st.caption("No live links." if len(ids) > 1 else "No live links show this image.")
        return
    st.markdown("**Live links**")
    for link in links:
        text, revoke = st.columns([4, 1], vertical_alignment="center")
        views = "1 view" if link.views == 1 else f"{link.views} views"
        shown = ", ".join(f"#{record_id}" for record_id in link.record_ids)
        by = f" · by {link.created_by}" if link.created_by else ""
        text.caption(f"{shown} · {views} · until {link.expires_at:%Y-%m-%d %H:%M} UTC{by}")
        revoke.button("Revoke", key=f"{key}_revoke_{link.link_id}", on_click=_revoke, args=(current, link.link_id))


def _shows(link: ShareLink, ids: list[int]) -> bool:
    """Detail lists every link showing its image; a compare set only the links of exactly that set."""
    return len(ids) == 1 or set(link.record_ids) == set(ids)


def _revoke(current: Services, link_id: int) -> None:
    try:
        sharing.revoke_link_id(current.shares, link_id)
    except AppError as exc:
        st.toast(user_message(exc, current.settings.secret_values), icon="🔗")
