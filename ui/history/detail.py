"""One saved image in a dialog over the results: full image, metadata, star, tags, previous/next and actions."""

from __future__ import annotations

import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.errors import StreamlitAPIException

from core.app import gallery
from core.app.services import Services
from core.domain.errors import AppError, DatabaseError
from core.domain.languages import language_name
from core.domain.records import ImageRecordView
from ui.change_image import change_panel, runs
from ui.create.flow import REUSE, record_settings
from ui.feedback import user_message
from ui.history.actions import change_tags, remember_outcome, show_flash, toggle_star
from ui.history.family import lineage
from ui.history.meaning import like_button
from ui.history.view import CONFIRM_KEY, OPEN_KEY, PAGE_IDS_KEY, close_detail, open_record
from ui.navigation import CREATE_PAGE
from ui.record_display import download_name, escape_markdown, record_facts

DETAIL_TAGS_KEY = "history_detail_tags"


def recaption(current: Services, record_id: int) -> None:
    def action() -> str:
        record = gallery.get_record(current.records, record_id)
        if record is None:
            raise DatabaseError(f"Image #{record_id} was deleted meanwhile: pick another one.")
        gallery.recaption(current.store, current.records, current.captioner, record, current.embed_on_save)
        return f"New caption saved for image #{record_id}."

    remember_outcome(current, action)


def delete_record(current: Services, record_id: int) -> None:
    def action() -> str:
        record = gallery.get_record(current.records, record_id)
        if record is None:
            return f"Image #{record_id} was already deleted."
        gallery.delete_record(current.store, current.records, record)
        for key in (record.image_filename, record.thumbnail_filename):
            if key:
                current.urls.forget(key)
        return f"Deleted image #{record_id}, its file and its thumbnail."

    remember_outcome(current, action)
    close_detail()


def open_detail(current: Services) -> None:
    """Show the opened record, if any, in a dialog over the results."""
    if st.session_state.get(OPEN_KEY) is not None:
        _detail_dialog(current)


@st.dialog("Image", width="large", on_dismiss=close_detail)
def _detail_dialog(current: Services) -> None:
    record_id = st.session_state.get(OPEN_KEY)
    record = gallery.get_record(current.records, int(record_id)) if record_id is not None else None
    if record is None:
        st.info("This image is no longer saved: it was deleted meanwhile.")
        return
    show_flash()
    detail_view(current, record)


def detail_view(current: Services, record: ImageRecordView) -> None:
    """The full image, its metadata, transcript beside prompt, star and tags, and what can be done with it."""
    heading, star, previous, following = st.columns([5, 1, 1, 1], vertical_alignment="center")
    heading.subheader(f"Image #{record.id}")
    star.button(
        "★ Starred" if record.starred else "☆ Star",
        key="history_detail_star",
        on_click=toggle_star,
        args=(current, record.id, not record.starred),
    )
    ids = list(st.session_state.get(PAGE_IDS_KEY) or [])
    at = ids.index(record.id) if record.id in ids else -1
    previous.button("◀ Previous", key="history_detail_previous", disabled=at <= 0, on_click=_step, args=(ids, at - 1))
    following.button(
        "Next ▶", key="history_detail_next", disabled=at < 0 or at >= len(ids) - 1, on_click=_step, args=(ids, at + 1)
    )
    picture, facts = st.columns([3, 2])
    image_bytes, missing = _show_image(current, record, picture)
    facts.markdown("\n".join(f"- **{label}:** {escape_markdown(value)}" for label, value in record_facts(record)))
    _tags(current, record, facts)
    prompt, transcript = st.columns(2)
    prompt.markdown("**Prompt**")
    prompt.code(record.prompt, language=None, wrap_lines=True)
    spoken_in = f" ({language_name(record.language)})" if record.language else ""
    transcript.markdown(f"**Transcript**{spoken_in}")
    if record.transcript:
        transcript.code(record.transcript, language=None, wrap_lines=True)
    else:
        transcript.caption("Typed, not spoken: there is no transcript.")
    st.markdown(f"**Caption:** {escape_markdown(record.description) or '_none_'}")
    lineage(current, record)
    _actions(current, record, image_bytes, missing)
    _change(current, record, image_bytes, missing)


def _change(current: Services, record: ImageRecordView, image_bytes: bytes | None, missing: str | None) -> None:
    """ "Change this image": the edit appears beside this one; once saved, it opens like any other image."""
    key = f"history_edit_{record.id}"
    with st.expander("✏️ Change this image", expanded=key in runs()):
        if missing is not None:
            st.warning(f"{missing} It cannot be changed.", icon="🖼️")
            return
        source = image_bytes if image_bytes is not None else current.urls.url(record.image_filename)
        change_panel(current, key, lambda: record.id, source)
        edit = runs().get(key)
        if edit is not None and edit.saved_id is not None:
            st.button(f"Open #{edit.saved_id}", key=f"{key}_open", on_click=open_record, args=(edit.saved_id,))


def _step(ids: list[int], index: int) -> None:
    if 0 <= index < len(ids):
        open_record(ids[index])


def _tags(current: Services, record: ImageRecordView, where: DeltaGenerator) -> None:
    where.markdown("**Tags:** " + (", ".join(escape_markdown(tag) for tag in record.tags) or "_none_"))
    text, add, remove = where.columns([3, 1, 1.3], vertical_alignment="bottom")
    text.text_input("Tags", key=DETAIL_TAGS_KEY, placeholder="poster, team red", label_visibility="collapsed")
    for column, label, key, adding in (
        (add, "Add", "history_detail_tag_add", True),
        (remove, "Remove", "history_detail_tag_remove", False),
    ):
        column.button(
            label, key=key, on_click=change_tags, args=(current, [record.id], DETAIL_TAGS_KEY), kwargs={"add": adding}
        )


def _show_image(current: Services, record: ImageRecordView, where: DeltaGenerator) -> tuple[bytes | None, str | None]:
    """Local files are sent as bytes (also reused for the download); Spaces images load from their URL.

    Returns the bytes (local only) and, when the file cannot be had, the reason.
    """
    try:
        if not current.store.exists(record.image_filename):
            reason = "The image file is missing from storage, so there is nothing to show or download."
            where.warning(reason, icon="🖼️")
            return None, reason
        if current.settings.spaces is None:
            data = current.store.get(record.image_filename)
            where.image(data, width="stretch")
            return data, None
        where.image(current.urls.url(record.image_filename), width="stretch")
    except AppError as exc:
        reason = user_message(exc, current.settings.secret_values)
        where.warning(reason, icon="🖼️")
        return None, reason
    return None, None


def _actions(current: Services, record: ImageRecordView, image_bytes: bytes | None, missing: str | None) -> None:
    download, reuse, again, remove = st.columns(4)
    file_name, mime = download_name(record)
    store, key = current.store, record.image_filename
    download.download_button(
        "Download image",
        # Spaces: fetched only when clicked, so browsing never downloads full images to the server.
        data=image_bytes if image_bytes is not None else (b"" if missing else (lambda: store.get(key))),
        file_name=file_name,
        mime=mime,
        key="history_download",
        on_click="ignore",
        disabled=missing is not None,
        help=missing,
    )
    if reuse.button("Reuse settings", key="history_reuse", help="Prompt, aspect ratio, format, quality, megapixels"):
        st.session_state[REUSE] = record_settings(record, with_seed=st.session_state.get("history_reuse_seed", False))
        try:
            st.switch_page(CREATE_PAGE)
        except StreamlitAPIException:  # run alone, outside st.navigation
            st.info("The settings are ready: open the Create page to use them.")
    reuse.checkbox(f"with seed {record.seed}", key="history_reuse_seed", disabled=record.seed is None)
    like_button(record.id, download, key_prefix="history_detail_like")
    if again.button("Regenerate caption", key="history_recaption", disabled=missing is not None):
        with st.spinner("Writing a new caption (the first one also loads the caption model)…"):
            recaption(current, record.id)
        st.rerun()  # redraw the results behind with the new caption
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
