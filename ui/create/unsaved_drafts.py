"""Create's "Made but not saved": paid images that a closed tab, a crashed server or a killed command left.

Every image is stored as a draft the moment it arrives (core/app/drafts.py); those not in this session's
results are listed here, newest first, with Save and Discard. A signed-in person sees their own; when the app
does not know who is asking (open, or a password without a name), everyone's.
"""

from __future__ import annotations

import streamlit as st

from core.app.drafts import discard_drafts, list_unsaved, save_drafts
from core.app.services import Services
from core.domain.drafts import StoredDraft
from core.domain.errors import AppError
from ui.access.page_access import current_creator
from ui.change_image import made as edits_made
from ui.create.state import CREATE
from ui.feedback import user_message
from ui.record_display import escape_markdown, thumbnail_url

NOTICE = "_unsaved_drafts_notice"
MAX_SHOWN = 24  # the newest; `python -m core drafts` lists them all


def show_unsaved_drafts(app: Services) -> None:
    if app.drafts is None:
        return
    creator = current_creator()
    try:
        stored = list_unsaved(app.drafts, created_by=creator, everyone=creator is None)
    except AppError as exc:
        st.caption(
            f"Images made but not saved cannot be listed right now: {user_message(exc, app.settings.secret_values)}"
        )
        return
    shown = [draft for run in CREATE.made for draft in run.drafts]
    shown += [edit.draft for _, edit in edits_made() if edit.draft is not None]
    in_session = {draft.draft_id for draft in shown if draft.draft_id is not None}
    left = [draft for draft in stored if draft.id not in in_session]
    notice = st.session_state.pop(NOTICE, None)
    if not left and notice is None:
        return
    st.subheader("Made but not saved")
    if notice is not None:
        kind, text = notice
        (st.success if kind == "ok" else st.error)(text)
    if not left:
        return
    st.caption(
        f"Images made earlier (a closed tab, a restart, a stopped command) and neither saved nor discarded. "
        f"They are kept {app.settings.draft_days} days."
    )
    cells = st.columns(4)
    for position, draft in enumerate(left[:MAX_SHOWN]):
        with cells[position % 4].container(border=True):
            _card(app, draft)
    if len(left) > MAX_SHOWN:
        st.caption(f"{len(left) - MAX_SHOWN} more: `python -m core drafts` lists them all.")


def _card(app: Services, draft: StoredDraft) -> None:
    if (url := thumbnail_url(app, draft.image_key)) is not None:
        st.image(url, width="stretch")
    st.caption(
        f"#{draft.id} · {draft.created_at:%Y-%m-%d %H:%M} UTC · “{escape_markdown(_short(draft.request.prompt))}”"
    )
    save, discard = st.columns(2)
    save.button("Save", key=f"unsaved_save_{draft.id}", type="primary", on_click=_save, args=(app, draft.id))
    discard.button("Discard", key=f"unsaved_discard_{draft.id}", on_click=_discard, args=(app, draft.id))


def _save(app: Services, draft_id: int) -> None:
    assert app.drafts is not None  # the section is drawn only with drafts
    try:
        outcome = save_drafts(app.pipeline, app.drafts, [draft_id])
    except Exception as exc:
        st.session_state[NOTICE] = ("error", f"Save #{draft_id}: {user_message(exc, app.settings.secret_values)}")
        return
    if outcome.saved:
        st.session_state[NOTICE] = ("ok", f"Saved as #{outcome.saved[0].record.id}.")
    else:
        st.session_state[NOTICE] = ("error", f"Draft #{draft_id} was saved or discarded meanwhile.")


def _discard(app: Services, draft_id: int) -> None:
    assert app.drafts is not None
    try:
        discard_drafts(app.store, app.records, app.drafts, [draft_id])
    except Exception as exc:
        st.session_state[NOTICE] = ("error", f"Discard #{draft_id}: {user_message(exc, app.settings.secret_values)}")


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
