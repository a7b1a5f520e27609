"""What can be done to saved images from History: star, tag, delete and download, one or many at a time."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

import streamlit as st

from core.app import gallery
from core.app.export import records_zip
from core.app.services import Services
from core.domain.errors import InputError, StorageError
from core.domain.records import ImageRecordView
from core.domain.tags import parse_tag_input
from ui.feedback import user_message
from ui.history.state import BULK_TAGS_KEY, HISTORY
from ui.history.view import forget_tag_counts
from ui.record_display import escape_markdown


def remember_outcome(current: Services, action: Callable[[], str]) -> None:
    """Run a button's action and keep what to tell the user, to show after the rerun it causes."""
    try:
        HISTORY.tell("success", action())
    except Exception as exc:
        # Escaped: a refused tag is named in the message, and tags are user text.
        HISTORY.tell("error", escape_markdown(user_message(exc, current.settings.secret_values)))


def show_flash() -> None:
    if flash := HISTORY.take_flash():
        level, message = flash
        (st.success if level == "success" else st.error)(message, icon="✅" if level == "success" else "⚠️")


def _images(count: int) -> str:
    return f"{count} image{'s' if count != 1 else ''}"


def toggle_star(current: Services, record_id: int, starred: bool) -> None:
    def action() -> str:
        gallery.star(current.records, record_ids=[record_id], starred=starred)
        return f"{'Starred' if starred else 'Unstarred'} image #{record_id}."

    remember_outcome(current, action)


def star_many(current: Services, record_ids: Sequence[int], starred: bool) -> None:
    def action() -> str:
        count = gallery.star(current.records, record_ids=record_ids, starred=starred)
        return f"{'Starred' if starred else 'Unstarred'} {_images(count)}."

    remember_outcome(current, action)
    HISTORY.clear_selection()


def change_tags(current: Services, record_ids: Sequence[int], text_key: str, *, add: bool) -> None:
    """Add or remove the comma-separated tags typed into the text box `text_key`."""

    def action() -> str:
        tags = parse_tag_input(HISTORY.typed(text_key))
        if not tags:
            raise InputError("Type one or more tags, separated by commas, then choose Add or Remove.")
        listed = escape_markdown(", ".join(tags))
        if add:
            count = gallery.add_tags(current.records, record_ids=record_ids, tags=tags)
            return f"Tagged {_images(count)} with {listed}."
        removed = gallery.remove_tags(current.records, record_ids=record_ids, tags=tags)
        return f"Removed {listed} ({removed} tag{'s' if removed != 1 else ''} in all)."

    remember_outcome(current, action)
    forget_tag_counts()
    HISTORY.empty(text_key)


def delete_many(current: Services, record_ids: Sequence[int]) -> None:
    def action() -> str:
        outcome = gallery.delete_records(current.store, current.records, record_ids)
        for key in outcome.keys:
            current.urls.forget(key)
        if outcome.kept:
            raise StorageError(outcome.summary())
        return outcome.summary()

    remember_outcome(current, action)
    forget_tag_counts()
    HISTORY.clear_selection()
    HISTORY.close_detail()


def zip_of(current: Services, records: Sequence[ImageRecordView]) -> Callable[[], bytes]:
    """The ZIP, built only when the button is clicked (never on every rerun)."""

    def build() -> bytes:
        buffer = io.BytesIO()
        records_zip(records, store=current.store, out=buffer)
        return buffer.getvalue()

    return build


def bulk_actions(current: Services, selected: Sequence[ImageRecordView]) -> None:
    """Star (or unstar), tag, download as ZIP and delete the selected records, drawn into the bar that holds them.

    Tagging and the delete confirmation open in popovers, so the bar keeps one height and the grid under it
    never moves.
    """
    ids = [record.id for record in selected]
    # One button, as in photo apps: Star while any is unstarred, Unstar once all are (a button less on a phone).
    unstar = all(record.starred for record in selected)
    st.button(
        "Unstar" if unstar else "Star",
        icon=":material/star_border:" if unstar else ":material/star:",
        key="history_bulk_unstar" if unstar else "history_bulk_star",
        on_click=star_many,
        args=(current, ids, not unstar),
    )
    with st.popover("Tag", icon=":material/sell:", key="history_bulk_tag"):
        st.text_input("Tags", key=BULK_TAGS_KEY, placeholder="poster, team red")
        add, remove = st.columns(2)
        for column, label, key, adding in (
            (add, "Add tags", "history_bulk_tag_add", True),
            (remove, "Remove tags", "history_bulk_tag_remove", False),
        ):
            column.button(
                label, key=key, on_click=change_tags, args=(current, ids, BULK_TAGS_KEY), kwargs={"add": adding}
            )
    st.download_button(
        "ZIP",
        data=zip_of(current, list(selected)),
        file_name="images.zip",
        mime="application/zip",
        key="history_bulk_zip",
        on_click="ignore",
        help="The selected images and a records.csv describing them.",
        icon=":material/download:",
    )
    with st.popover("Delete…", icon=":material/delete:", key="history_bulk_delete"):
        # Text, not st.warning: a popover's content is drawn even while it is closed.
        st.markdown(f"Delete {_images(len(ids))}, their files and thumbnails for good? This cannot be undone.")
        st.button(
            f"Yes, delete {_images(len(ids))}",
            key="history_bulk_delete_confirm",
            type="primary",
            on_click=delete_many,
            args=(current, ids),
        )
