"""One saved image in a dialog over the results: a toolbar on the image, its words and family, facts folded."""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitAPIException

from core.app import gallery
from core.app.services import Services
from core.domain.errors import AppError, DatabaseError
from core.domain.languages import language_name
from core.domain.records import ImageRecordView
from ui.change_image import change_panel, runs
from ui.create.handover import hand_over, record_settings
from ui.feedback import user_message
from ui.history.actions import change_tags, remember_outcome, show_flash, toggle_star
from ui.history.compare_view import compare_with, share_slot
from ui.history.family import lineage
from ui.history.meaning import like_button
from ui.history.state import DETAIL_TAGS_KEY, HISTORY, REUSE_SEED_KEY
from ui.navigation import CREATE_PAGE
from ui.record_display import download_name, escape_markdown, record_facts


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
    HISTORY.close_detail()


def open_detail(current: Services) -> None:
    """Show the opened record, if any, in a dialog over the results."""
    if HISTORY.open_id is not None:
        _detail_dialog(current)


@st.dialog("Image", width="large", on_dismiss=HISTORY.close_detail)
def _detail_dialog(current: Services) -> None:
    record_id = HISTORY.open_id
    record = gallery.get_record(current.records, int(record_id)) if record_id is not None else None
    if record is None:
        st.info("This image is no longer saved: it was deleted meanwhile.")
        return
    show_flash()
    detail_view(current, record)


def detail_view(current: Services, record: ImageRecordView) -> None:
    """The image with its toolbar on top; beside it prompt, transcript, caption, tags and family; facts folded."""
    heading = st.container(horizontal=True, vertical_alignment="center", gap="small")
    heading.subheader(f"Image #{record.id}", width="content")
    if record.parent_id is not None:
        heading.badge(f"edit of #{record.parent_id}", color="violet")
    heading.space("stretch")
    ids = HISTORY.page_ids
    at = ids.index(record.id) if record.id in ids else -1
    heading.button("◀ Previous", key="history_detail_previous", disabled=at <= 0, on_click=_step, args=(ids, at - 1))
    heading.button(
        "Next ▶", key="history_detail_next", disabled=at < 0 or at >= len(ids) - 1, on_click=_step, args=(ids, at + 1)
    )
    shown, image_bytes, missing = _load_image(current, record)
    toolbar(current, record, image_bytes, missing)
    _confirm_delete(current, record)
    if HISTORY.changing == record.id or f"history_edit_{record.id}" in runs():
        _change(current, record, image_bytes, missing)
    picture, words = st.columns([3, 2])
    if shown is not None:
        picture.image(shown, width="stretch")
    else:
        picture.warning(missing or "The image cannot be shown.", icon="🖼️")
    with words:
        _words(current, record, missing)
    lineage(current, record)
    with st.expander("Details", icon=":material/info:"):
        st.markdown("\n".join(f"- **{label}:** {escape_markdown(value)}" for label, value in record_facts(record)))
        st.checkbox(f"Reuse on Create with seed {record.seed}", key=REUSE_SEED_KEY, disabled=record.seed is None)


def toolbar(current: Services, record: ImageRecordView, image_bytes: bytes | None, missing: str | None) -> None:
    """What can be done with the image, in one row above it (it wraps on a phone), so nothing needs scrolling to."""
    with st.container(horizontal=True, gap="small", key="history_detail_toolbar"):
        file_name, mime = download_name(record)
        store, key = current.store, record.image_filename
        st.download_button(
            "Download",
            # Spaces: fetched only when clicked, so browsing never downloads full images to the server.
            data=image_bytes if image_bytes is not None else (b"" if missing else (lambda: store.get(key))),
            file_name=file_name,
            mime=mime,
            key="history_download",
            on_click="ignore",
            disabled=missing is not None,
            help=missing,
            icon=":material/download:",
        )
        if st.button(
            "Reuse on Create",
            key="history_reuse",
            icon=":material/replay:",
            help="Open Create with this prompt, aspect ratio, format, quality and megapixels (seed: see Details)",
        ):
            _reuse(record)
        if HISTORY.changing != record.id:
            # Steps aside while its panel is open: the panel's paid button is then the one "Change this image".
            st.button(
                "Change this image",
                key="history_change",
                icon=":material/edit:",
                disabled=missing is not None,
                on_click=_open_change,
                args=(record.id,),
            )
        st.button(
            "Starred" if record.starred else "Star",
            key="history_detail_star",
            icon=":material/star:" if record.starred else ":material/star_border:",
            on_click=toggle_star,
            args=(current, record.id, not record.starred),
        )
        with st.popover("Tag", icon=":material/sell:", key="history_detail_tag"):
            _tags(current, record)
        compare_with(record, ids=HISTORY.page_ids)
        like_button(record.id, key_prefix="history_detail_like")
        share_slot(current, [record.id], key="history_share")
        st.button(
            "Delete…",
            key="history_delete",
            icon=":material/delete:",
            on_click=_ask_to_delete,
            args=(record.id,),
        )


def _reuse(record: ImageRecordView) -> None:
    hand_over(record_settings(record, with_seed=HISTORY.reuse_seed))
    try:
        st.switch_page(CREATE_PAGE)
    except StreamlitAPIException:  # run alone, outside st.navigation
        st.info("The settings are ready: open the Create page to use them.")


def _words(current: Services, record: ImageRecordView, missing: str | None) -> None:
    st.markdown("**Prompt**")
    st.code(record.prompt, language=None, wrap_lines=True)
    spoken_in = f" ({language_name(record.language)})" if record.language else ""
    st.markdown(f"**Transcript**{spoken_in}")
    if record.transcript:
        st.code(record.transcript, language=None, wrap_lines=True)
    else:
        st.caption("Typed, not spoken: there is no transcript.")
    st.markdown(f"**Caption:** {escape_markdown(record.description) or '_none_'}")
    if st.button("Regenerate caption", key="history_recaption", disabled=missing is not None, type="tertiary"):
        with st.spinner("Writing a new caption (the first one also loads the caption model)…"):
            recaption(current, record.id)
        st.rerun()  # redraw the results behind with the new caption
    st.markdown("**Tags:** " + (", ".join(escape_markdown(tag) for tag in record.tags) or "_none_"))


def _change(current: Services, record: ImageRecordView, image_bytes: bytes | None, missing: str | None) -> None:
    """ "Change this image", opened from the toolbar: the edit appears beside this one; once saved it opens."""
    key = f"history_edit_{record.id}"
    with st.container(border=True):
        heading = st.container(horizontal=True, vertical_alignment="center")
        heading.markdown("**✏️ Change this image**", width="content")
        heading.space("stretch")
        heading.button("Close", key=f"{key}_close", on_click=_close_change)
        if missing is not None:
            st.warning(f"{missing} It cannot be changed.", icon="🖼️")
            return
        source = image_bytes if image_bytes is not None else current.urls.url(record.image_filename)
        change_panel(current, key, lambda: record.id, source)
        edit = runs().get(key)
        if edit is not None and edit.saved_id is not None:
            st.button(f"Open #{edit.saved_id}", key=f"{key}_open", on_click=HISTORY.open, args=(edit.saved_id,))


def _step(ids: list[int], index: int) -> None:
    if 0 <= index < len(ids):
        HISTORY.open(ids[index])


def _tags(current: Services, record: ImageRecordView) -> None:
    st.text_input("Tags", key=DETAIL_TAGS_KEY, placeholder="poster, team red")
    add, remove = st.columns(2)
    for column, label, key, adding in (
        (add, "Add", "history_detail_tag_add", True),
        (remove, "Remove", "history_detail_tag_remove", False),
    ):
        column.button(
            label, key=key, on_click=change_tags, args=(current, [record.id], DETAIL_TAGS_KEY), kwargs={"add": adding}
        )


def _load_image(current: Services, record: ImageRecordView) -> tuple[bytes | str | None, bytes | None, str | None]:
    """What to show (local bytes, also reused for the download; or a Spaces URL), the bytes, and why not if not."""
    try:
        if not current.store.exists(record.image_filename):
            return None, None, "The image file is missing from storage, so there is nothing to show or download."
        if current.settings.spaces is None:
            data = current.store.get(record.image_filename)
            return data, data, None
        return current.urls.url(record.image_filename), None, None
    except AppError as exc:
        return None, None, user_message(exc, current.settings.secret_values)


def _confirm_delete(current: Services, record: ImageRecordView) -> None:
    if HISTORY.confirming_delete != record.id:
        return
    st.warning(f"Delete image #{record.id}, its file and its thumbnail for good? This cannot be undone.")
    yes, no = st.columns(2)
    yes.button(
        "Yes, delete it",
        key="history_delete_confirm",
        type="primary",
        on_click=delete_record,
        args=(current, record.id),
    )
    no.button("Cancel", key="history_delete_cancel", on_click=_cancel_delete)


def _open_change(record_id: int) -> None:
    HISTORY.changing = record_id


def _close_change() -> None:
    HISTORY.changing = None


def _ask_to_delete(record_id: int) -> None:
    HISTORY.confirming_delete = record_id


def _cancel_delete() -> None:
    HISTORY.confirming_delete = None
