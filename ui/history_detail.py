"""One saved image opened on the History page: full image, metadata, and download, reuse, recaption, delete."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.errors import StreamlitAPIException

from core.errors import AppError, DatabaseError
from core.records import ImageRecordView
from core.services import Services
from ui.feedback import user_message
from ui.history import CONFIRM_KEY, close_detail
from ui.navigation import CREATE_PAGE
from ui.record_display import download_name, escape_markdown, record_facts

FLASH_KEY = "history_flash"


def remember_outcome(current: Services, action: Callable[[], str]) -> None:
    """Run a button's action and keep what to tell the user, to show after the rerun it causes."""
    try:
        st.session_state[FLASH_KEY] = ("success", action())
    except Exception as exc:
        st.session_state[FLASH_KEY] = ("error", user_message(exc, current.settings.secret_values))


def show_flash() -> None:
    if flash := st.session_state.pop(FLASH_KEY, None):
        level, message = flash
        (st.success if level == "success" else st.error)(message, icon="✅" if level == "success" else "⚠️")


def recaption(current: Services, record_id: int) -> None:
    def action() -> str:
        record = current.repository.get(record_id=record_id)
        if record is None:
            raise DatabaseError(f"Image #{record_id} was deleted meanwhile: pick another one.")
        current.pipeline.recaption(record)
        return f"New caption saved for image #{record_id}."

    remember_outcome(current, action)


def delete_record(current: Services, record_id: int) -> None:
    def action() -> str:
        record = current.repository.get(record_id=record_id)
        if record is None:
            return f"Image #{record_id} was already deleted."
        current.pipeline.delete(record)
        for key in (record.image_filename, record.thumbnail_filename):
            if key:
                current.urls.forget(key)
        return f"Deleted image #{record_id}, its file and its thumbnail."

    remember_outcome(current, action)
    close_detail()


def detail_view(current: Services, record: ImageRecordView) -> None:
    """The full image, its metadata, transcript beside prompt, and what can be done with it."""
    with st.container(border=True):
        heading, close = st.columns([6, 1])
        heading.subheader(f"Image #{record.id}")
        close.button("Close", key="history_close", on_click=close_detail)
        picture, facts = st.columns([3, 2])
        image_bytes = _show_image(current, record, picture)
        facts.markdown("\n".join(f"- **{label}:** {escape_markdown(value)}" for label, value in record_facts(record)))
        prompt, transcript = st.columns(2)
        prompt.markdown("**Prompt**")
        prompt.code(record.prompt, language=None, wrap_lines=True)
        transcript.markdown("**Transcript**")
        if record.transcript:
            transcript.code(record.transcript, language=None, wrap_lines=True)
        else:
            transcript.caption("Typed, not spoken: there is no transcript.")
        st.markdown(f"**Caption:** {escape_markdown(record.description) or '_none_'}")
        _actions(current, record, image_bytes)


def _show_image(current: Services, record: ImageRecordView, where: DeltaGenerator) -> bytes | None:
    """Local files are sent as bytes (also reused for the download); Spaces images load from their URL."""
    try:
        if current.settings.spaces is None:
            data = current.store.get(record.image_filename)
            where.image(data, width="stretch")
            return data
        where.image(current.urls.url(record.image_filename), width="stretch")
    except AppError as exc:
        where.warning(user_message(exc, current.settings.secret_values), icon="🖼️")
    return None


def _actions(current: Services, record: ImageRecordView, image_bytes: bytes | None) -> None:
    download, reuse, again, remove = st.columns(4)
    file_name, mime = download_name(record)
    store, key = current.store, record.image_filename
    download.download_button(
        "Download image",
        # Spaces: fetched only when clicked, so browsing never downloads full images to the server.
        data=image_bytes if image_bytes is not None else (lambda: store.get(key)),
        file_name=file_name,
        mime=mime,
        key="history_download",
        on_click="ignore",
    )
    if reuse.button("Use this prompt again", key="history_reuse"):
        st.session_state["prefill_prompt"] = record.prompt
        try:
            st.switch_page(CREATE_PAGE)
        except StreamlitAPIException:  # run alone, outside st.navigation
            st.info("The prompt is ready: open the Create page to use it.")
    if again.button("Regenerate caption", key="history_recaption"):
        with st.spinner("Writing a new caption (the first one also loads the caption model)…"):
            recaption(current, record.id)
        st.rerun()  # redraw the table above with the new caption
    remove.button("Delete…", key="history_delete", on_click=lambda: st.session_state.update({CONFIRM_KEY: record.id}))
    if st.session_state.get(CONFIRM_KEY) == record.id:
        st.warning(f"Delete image #{record.id}, its file and its thumbnail for good? This cannot be undone.")
        yes, no = st.columns(2)
        yes.button(
            "Yes, delete it",
            key="history_delete_confirm",
            type="primary",
            on_click=delete_record,
            args=(current, record.id),
        )
        no.button("Cancel", key="history_delete_cancel", on_click=lambda: st.session_state.pop(CONFIRM_KEY, None))
