"""Create's "Change this image": each result card picks itself as the source, and the panel below changes it.

A child must point at a saved parent, so changing a result that is not saved yet saves it first (saving is
idempotent: the same image is one record however often it is saved). A saved edit can be changed again,
which continues the chain.
"""

from __future__ import annotations

import streamlit as st

from core.app import gallery
from core.app.runs import CreateRun
from core.app.services import Services
from ui.access.page_access import current_creator
from ui.change_image import SPOKEN, change_panel, runs
from ui.create import flow

KEY = "create_edit"
TARGET = "_create_edit_target"  # ("draft", run id, draft index) or ("record", record id)


def pick_button(run: CreateRun, index: int, *, disabled: bool) -> None:
    """On a result card: make this result the source of the panel below."""
    if st.button("✏️ Change this image", key=f"pick_edit_{run.id[:8]}_{index}", disabled=disabled):
        st.session_state[TARGET] = ("draft", run.id, index)
        st.rerun(scope="app")  # the panel sits outside the results' fragment


def _draft_source(current: Services, run: CreateRun, index: int) -> int:
    """The record id of a result, saving it first if needed (a child needs a saved parent)."""
    if index not in run.saved_ids:
        saved = current.pipeline.save(run.drafts[index], index=index, created_by=current_creator())
        run.mark_saved(index, saved.record.id)
    return run.saved_ids[index]


def show_panel(current: Services) -> None:
    """The chosen result and the edit made from it, side by side; nothing until a card was picked."""
    target = st.session_state.get(TARGET)
    if target is None:
        return
    st.subheader("4. Change this image")
    if target[0] == "draft":
        run = next((r for r in flow.runs() if r.id == target[1]), None)
        if run is None or target[2] >= len(run.drafts):
            st.session_state.pop(TARGET, None)
            return
        index = target[2]
        image: bytes | str | None = run.drafts[index].image.data
        if index not in run.saved_ids:
            st.caption("Not saved yet: changing it saves it first, so the edit can point back at it.")
        change_panel(current, KEY, lambda: _draft_source(current, run, index), image)
    else:
        record = gallery.get_record(current.records, int(target[1]))
        if record is None:
            st.info("That image is no longer saved: pick another result.")
            st.session_state.pop(TARGET, None)
            return
        change_panel(current, KEY, lambda: record.id, current.urls.url(record.image_filename))
    edit = runs().get(KEY)
    if edit is not None and edit.saved_id is not None and st.button("Keep changing the edit", key=f"{KEY}_continue"):
        st.session_state[TARGET] = ("record", edit.saved_id)
        runs().pop(KEY, None)
        st.session_state.get(SPOKEN, {}).pop(KEY, None)  # the next instruction is said or typed afresh
        st.rerun()
