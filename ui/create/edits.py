"""Create's edit loop: a result card picks itself as the source, the panel below changes it, and each finished
edit can become the next source at once ("Keep changing this edit"), so a chain grows one edit at a time.

A child must point at a saved parent, so changing a result that is not saved yet saves it first, and keeping
on changing an edit saves that edit (saving is idempotent: the same image is one record however often it is
saved). The panel names and shows its source before the first edit; the instruction box empties after each
edit, so no click pays for the same instruction twice; and a new Generate never takes the panel away.
"""

from __future__ import annotations

import streamlit as st

from core.app import gallery
from core.app.edit_run import EditRun
from core.app.runs import CreateRun
from core.app.services import Services
from ui import outside_text
from ui.access.page_access import current_creator
from ui.change_image import change_panel, forget_instruction, made, runs
from ui.create.session_images import record_name, result_name
from ui.create.state import CREATE, EDIT_PANEL, EditTarget
from ui.feedback import user_message

KEY = EDIT_PANEL
KEEP_CHANGING = f"{KEY}_continue"
CLOSE = f"{KEY}_close"
PROBLEM = "_create_edit_problem"  # what stopped "Keep changing this edit" (saving the edit first), once


def pick_button(run: CreateRun, index: int, *, disabled: bool) -> None:
    """On a result card: make this result the source of the panel below (it pays for nothing)."""
    if st.button("Edit this image", icon=":material/edit:", key=f"pick_edit_{run.id[:8]}_{index}", disabled=disabled):
        CREATE.edit_target = EditTarget.result(run.id, index)
        st.rerun(scope="app")  # the panel sits outside the results' fragment


def _draft_source(current: Services, run: CreateRun, index: int) -> int:
    """The record id of a result, saving it first if needed (a child needs a saved parent)."""
    if index not in run.saved_ids:
        saved = current.pipeline.save(run.drafts[index], index=index, created_by=current_creator())
        run.mark_saved(index, saved.record.id)
    return run.saved_ids[index]


def show_panel(current: Services) -> None:
    """The source, the instruction and the paid button; then the edit beside its source. Nothing until a pick."""
    target = CREATE.edit_target
    if target is None:
        return
    heading = st.container(horizontal=True, vertical_alignment="center")
    heading.subheader("Edit", width="content")
    heading.space("stretch")
    if heading.button("Close", key=CLOSE, help="Close the panel; the images stay in Results and Compare"):
        _close()
        st.rerun()
    if problem := st.session_state.pop(PROBLEM, None):
        outside_text.error(problem)
    if target.run_id is not None:
        run = CREATE.find_run(target.run_id)
        if run is None or target.index >= len(run.drafts):
            CREATE.edit_target = None
            return
        index = target.index
        name = result_name(run.id, index) or f"Result of “{run.prompt}”"
        if index not in run.saved_ids:
            name += ", not saved yet: changing it saves it first, so the edit can point back at it"
        change_panel(
            current,
            KEY,
            lambda: _draft_source(current, run, index),
            run.drafts[index].image.data,
            source_name=name,
            next_step=lambda edit: _keep_changing(current, edit),
        )
        return
    record_id = target.record_id
    record = gallery.get_record(current.records, record_id) if record_id is not None else None
    if record is None:
        st.info("That image is no longer saved: pick another result.")
        CREATE.edit_target = None
        return
    saved_edit = next((edit for edit in _panel_edits() if edit.saved_id == record.id), None)
    image = saved_edit.draft.image.data if saved_edit and saved_edit.draft else current.urls.url(record.image_filename)
    change_panel(
        current,
        KEY,
        lambda: record.id,
        image,
        source_name=record_name(record.id),
        next_step=lambda edit: _keep_changing(current, edit),
    )


def _keep_changing(current: Services, edit: EditRun) -> None:
    """Under a finished edit: make it the source of the next one, at once (saved first: a child needs a parent)."""
    if edit.draft is None or not st.button(
        "Keep changing this edit",
        key=KEEP_CHANGING,
        icon=":material/arrow_forward:",
        help="The edit becomes the source of the next change (it is saved first, so the next edit points back at it)",
    ):
        return
    try:
        record_id = edit.save(created_by=current_creator())
    except Exception as exc:
        st.session_state[PROBLEM] = f"Keep changing: {user_message(exc, current.settings.secret_values)}"
    else:
        CREATE.edit_target = EditTarget.record(record_id)
        runs().pop(KEY, None)  # the panel starts afresh from the edit; compare still lists it
    st.rerun(scope="app")  # the button sits in the edit's fragment; the whole panel changes


def _close() -> None:
    """Close the panel, the instruction with it: the person asked for it."""
    CREATE.edit_target = None
    runs().pop(KEY, None)
    forget_instruction(KEY)


def _panel_edits() -> list[EditRun]:
    return [edit for panel, edit in made() if panel == KEY]
