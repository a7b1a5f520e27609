"""Families of edits in History: "Edited from #N" in the detail, the family as a strip, and `?family=N`."""

from __future__ import annotations

import streamlit as st

from core.app import gallery
from core.app.services import Services
from core.domain.records import ImageRecordView
from ui.history.state import HISTORY
from ui.record_display import thumbnail_key, thumbnail_url

STRIP_MAX = 8  # members drawn in the detail; "List the whole family" shows any number


def list_family(record_id: int) -> None:
    """Show only the family of `record_id` in the results (and in the URL, as ?family=N)."""
    HISTORY.family = record_id
    HISTORY.restart_paging()


def show_all() -> None:
    HISTORY.family = None
    HISTORY.restart_paging()


def family_banner(family: int | None) -> None:
    """Above the results when they are one family: what is shown, and the way back to everything."""
    if family is None:
        return
    text, back = st.columns([4, 1], vertical_alignment="center")
    text.info(f"Showing the family of edits of image #{family}: its first image and every edit made from it.")
    back.button("Show everything", key="history_family_clear", on_click=show_all)


def relation(member: ImageRecordView, record: ImageRecordView) -> str:
    """What a family member is ("original", "edit of #N"), and which one is open."""
    what = "original" if member.parent_id is None else f"edit of #{member.parent_id}"
    return f"{what} · this image" if member.id == record.id else what


def lineage(current: Services, record: ImageRecordView) -> None:
    """ "Edited from #N" and the family strip (each member opens); nothing for an image without edits."""
    if record.parent_id is not None:
        line, go = st.columns([4, 1], vertical_alignment="center")
        line.markdown(f"**Edited from #{record.parent_id}**")
        go.button(
            f"Open #{record.parent_id}", key="history_open_parent", on_click=HISTORY.open, args=(record.parent_id,)
        )
    if record.edit_instruction:
        st.caption("Instruction")
        st.text(record.edit_instruction)
    members = gallery.family(current.records, record.id)
    if len(members) < 2:
        return
    st.markdown(f"**Family** ({len(members)} images)")
    shown = members[:STRIP_MAX]
    for column, member in zip(st.columns(len(shown)), shown, strict=True):
        with column:
            if url := thumbnail_url(current, thumbnail_key(member)):
                st.image(url, width="stretch")
            st.caption(f"#{member.id} · {relation(member, record)}")
            st.button(
                "Open",
                key=f"history_family_open_{member.id}",
                disabled=member.id == record.id,
                on_click=HISTORY.open,
                args=(member.id,),
            )
    st.button(
        f"List the whole family ({len(members)})", key="history_family_list", on_click=list_family, args=(record.id,)
    )
