""" "Change this image": an instruction (recorded, uploaded or typed), one paid edit, the edit beside its source.

Shared by Create's results and History's detail. Each panel has a key; its widgets' keys start with it. The
edit starts from a button callback on a worker thread (core.app.edit_run) and the callback refuses a click
while any edit of the session is under way, so double clicks and reruns never pay for a second prediction.
The edit is a draft until Save, which stores it as a child of its source (idempotent, like Create's Save).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from core.app.edit_run import EditInput, EditRun
from core.app.services import Services, require_replicate_token
from core.domain.drafts import TimedTranscript
from ui import outside_text
from ui.access.page_access import current_creator
from ui.feedback import user_message
from ui.record_display import image_download_name
from ui.recorder import live_recorder, live_words_available

RUNS = "_edit_runs"  # panel key -> its newest EditRun
MADE = "_edits_made"  # every edit of the session, oldest first, with its panel's key: (key, EditRun)
NOTICES = "_edit_notices"  # panel key -> (level, message) for the next draw of that panel
GIVEN_BACK = "_edit_given_back"  # ids of failed edits whose instruction went back into the box
SPOKEN = "_edit_spoken"  # panel key -> the TimedTranscript its instruction box was filled from
POLL_S = 0.5
EMPTY = "Say, upload or type what to change first, e.g. “make it night”."
BUSY = "Still changing an image: that click was ignored, so nothing is made or paid for twice."


def text_key(key: str) -> str:
    return f"{key}_text"


def record_key(key: str) -> str:
    return f"{key}_rec"


def upload_key(key: str) -> str:
    return f"{key}_upload"


def button_key(key: str) -> str:
    return f"{key}_go"


def forget_instruction(key: str) -> None:
    """Empty a panel's instruction box and forget the recording it came from (the panel is closed)."""
    st.session_state.pop(text_key(key), None)
    st.session_state.get(SPOKEN, {}).pop(key, None)


def runs() -> dict[str, EditRun]:
    kept: dict[str, EditRun] = st.session_state.setdefault(RUNS, {})
    return kept


def made() -> list[tuple[str, EditRun]]:
    """Every edit this session started and did not discard, oldest first, with the key of the panel it came from."""
    kept: list[tuple[str, EditRun]] = st.session_state.setdefault(MADE, [])
    return kept


def busy() -> bool:
    """Whether an edit of this session is still being made (a prediction may be in flight)."""
    return any(not run.done for run in runs().values())


def _notices() -> dict[str, tuple[str, str]]:
    kept: dict[str, tuple[str, str]] = st.session_state.setdefault(NOTICES, {})
    return kept


def _audio_arrived(key: str, widget: str) -> None:
    if st.session_state.get(widget) is not None:
        st.session_state[f"{key}_pending"] = widget  # transcribed when the panel is drawn next, once


def instruction_inputs(current: Services, key: str) -> None:
    """The recorder, the upload and the instruction box; finished audio is transcribed into the box."""
    record, upload = st.tabs(["🎤 Say it", "📁 Upload"])
    with record:
        if live_words_available(current.settings, f"{key}_live"):  # words while speaking, as on Create
            if streamed := live_recorder("Say what to change", key=f"{key}_live"):
                st.session_state.setdefault(SPOKEN, {})[key] = streamed.timed()
                st.session_state[text_key(key)] = streamed.text  # the box is drawn after this
        else:
            st.audio_input(
                "Say what to change", key=record_key(key), on_change=_audio_arrived, args=(key, record_key(key))
            )
    with upload:
        st.file_uploader(
            "Upload the instruction (WAV, FLAC, OGG or MP3)",
            key=upload_key(key),
            on_change=_audio_arrived,
            args=(key, upload_key(key)),
        )
    _give_back_failed_instruction(key)
    if (widget := st.session_state.pop(f"{key}_pending", None)) and isinstance(
        audio := st.session_state.get(widget), UploadedFile
    ):
        _transcribe(current, key, audio)
    st.text_area("What to change", key=text_key(key), height=70, placeholder="make it night, add a red kite…")


def _give_back_failed_instruction(key: str) -> None:
    """An edit that failed paid for nothing: its instruction goes back into the empty box, once, to try again."""
    run = runs().get(key)
    given_back: set[str] = st.session_state.setdefault(GIVEN_BACK, set())
    if run is None or run.error is None or run.id in given_back:
        return
    given_back.add(run.id)
    if not (st.session_state.get(text_key(key)) or "").strip():
        st.session_state[text_key(key)] = run.input.instruction


def _transcribe(current: Services, key: str, audio: UploadedFile) -> None:
    with st.spinner("Transcribing the instruction…"):
        try:
            spoken = current.pipeline.transcribe(audio.getvalue(), filename=audio.name)
        except Exception as exc:
            outside_text.error(f"Transcribe: {user_message(exc, current.settings.secret_values)}")
            return
    st.session_state.setdefault(SPOKEN, {})[key] = spoken
    st.session_state[text_key(key)] = spoken.transcript.text  # the box is drawn after this, so this is allowed


def change_button(current: Services, key: str, source_id: Callable[[], int], *, disabled: bool = False) -> None:
    """The paid button; `source_id` gives the saved record to change (Create saves its draft first)."""
    st.button(
        "Change this image",
        key=button_key(key),
        type="primary",
        disabled=disabled,
        on_click=start_edit,
        args=(current, key, source_id),
    )


def start_edit(current: Services, key: str, source_id: Callable[[], int]) -> None:
    """Button callback: refuses while an edit is going or with nothing to say; else starts one edit."""
    if busy():
        _notices()[key] = ("info", BUSY)
        return
    instruction = (st.session_state.get(text_key(key)) or "").strip()
    if not instruction:
        _notices()[key] = ("info", EMPTY)
        return
    try:
        require_replicate_token(current.settings)  # before source_id(), which may save a Create result
        record_id = source_id()
    except Exception as exc:
        _notices()[key] = ("error", f"Change this image: {user_message(exc, current.settings.secret_values)}")
        return
    spoken: TimedTranscript | None = st.session_state.get(SPOKEN, {}).get(key)
    run = EditRun(
        current.editing,
        EditInput(
            record_id=record_id,
            instruction=instruction,
            transcript=spoken.transcript.text if spoken else None,
            speech_model=spoken.model_id if spoken else None,
            created_by=current_creator(),
        ),
    )
    runs()[key] = run
    made().append((key, run))
    # The box empties at once: the instruction is shown with its edit, and one more click must not pay for it
    # again. A said instruction is said afresh too (its transcript travels with this edit only).
    st.session_state[text_key(key)] = ""
    st.session_state.get(SPOKEN, {}).pop(key, None)
    run.start()


NextStep = Callable[[EditRun], None]  # what a page offers under a finished edit (Create: keep changing it)


def show_edit(current: Services, key: str, source_image: bytes | str | None, next_step: NextStep | None = None) -> None:
    """The source and its newest edit side by side; redrawn twice a second while the edit is being made."""
    if notice := _notices().pop(key, None):
        level, message = notice
        (outside_text.error if level == "error" else outside_text.info)(message, icon="⚠️" if level == "error" else "✋")
    if key not in runs():
        return
    drawn_busy = not runs()[key].done

    @st.fragment(run_every=POLL_S if drawn_busy else None)
    def edit_result() -> None:
        run = runs().get(key)
        if run is None:
            return
        source, edited = st.columns(2)
        with source.container(border=True):
            if source_image is not None:
                st.image(source_image, width="stretch")
            st.caption(f"Source #{run.input.record_id}")
        with edited.container(border=True):
            _edited(current, key, run, next_step)
        if drawn_busy and run.done:
            st.rerun(scope="app")  # stop polling; the buttons around show the outcome

    edit_result()


def _edited(current: Services, key: str, run: EditRun, next_step: NextStep | None) -> None:
    if not run.done:
        st.info("Changing the image, then captioning it…", icon="⏳")
        return
    if run.error is not None or run.draft is None:
        outside_text.error(
            f"Change this image: {user_message(run.error or RuntimeError(), current.settings.secret_values)}", icon=None
        )
        return
    draft = run.draft
    st.image(draft.image.data, width="stretch")
    st.text(draft.caption or "(no caption)")
    st.caption("Instruction:")
    st.text(run.input.instruction)
    if problem := _notices().pop(f"{key}_save", None):
        outside_text.error(problem[1])
    if run.saved_id is not None:
        st.success(f"Saved as #{run.saved_id}, edited from #{run.input.record_id}")
    actions = st.container(horizontal=True, gap="small")
    if run.saved_id is None:
        actions.button("Save the edit", key=f"{key}_save", type="primary", on_click=_save, args=(current, key, run))
        actions.button("Discard", key=f"{key}_discard", on_click=_discard, args=(current, key))
    unsaved_name = f"edit-of-{run.input.record_id}-{run.id[:8]}"
    actions.download_button(
        "Download",
        data=draft.image.data,
        file_name=image_download_name(run.saved_id, unsaved_name, draft.image.output_format),
        mime=draft.image.content_type,
        key=f"{key}_download",
        on_click="ignore",
    )
    if next_step is not None:
        next_step(run)


def _discard(current: Services, key: str) -> None:
    """Forget the edit and delete its stored draft (row and image): a discarded edit is not offered again."""
    run = runs().pop(key, None)
    st.session_state[MADE] = [(made_in, edit) for made_in, edit in made() if edit is not run]
    if run is not None and run.draft is not None and run.saved_id is None:
        try:
            current.pipeline.keeper.discard(run.draft)
        except Exception as exc:
            _notices()[f"{key}_save"] = ("error", f"Discard: {user_message(exc, current.settings.secret_values)}")


def _save(current: Services, key: str, run: EditRun) -> None:
    try:
        run.save(created_by=current_creator())
    except Exception as exc:
        _notices()[f"{key}_save"] = ("error", f"Save the edit: {user_message(exc, current.settings.secret_values)}")


def change_panel(
    current: Services,
    key: str,
    source_id: Callable[[], int],
    source_image: bytes | str | None,
    *,
    source_name: str | None = None,
    next_step: NextStep | None = None,
) -> None:
    """Everything of "Change this image" for one source: inputs, the paid button, the edit beside its source.

    With `source_name` (Create, where the source is not on screen beside the panel) the panel names and shows
    its source until the first edit, which then stands beside it."""
    if source_name is not None and key not in runs():
        show_source(key, source_name, source_image)
    instruction_inputs(current, key)
    change_button(current, key, source_id)
    show_edit(current, key, source_image, next_step)


SOURCE_PREVIEW_PX = 240  # big enough to recognise, small enough to leave the inputs in view


def show_source(key: str, name: str, image: bytes | str | None) -> None:
    """The image the next edit starts from, named, before there is an edit to stand beside."""
    with st.container(border=True, width="content", key=f"{key}_source"):
        if image is not None:
            st.image(image, width=SOURCE_PREVIEW_PX)
        st.caption(f"Source: {name}")
