"""The Create page's results: newest run on top, its images as soon as they arrive, captions as they come.

While a run is going, a fragment redraws only this part of the page twice a second from what the run's
worker thread has reported; when the run ends, one full rerun re-enables the buttons. Earlier drafts of the
session that are neither saved nor discarded stay below, collapsed, with their prompts.
"""

from __future__ import annotations

from typing import Literal

import streamlit as st

from core.app.pipeline import Draft, Pipeline
from core.app.runs import CreateRun
from core.config.settings import Settings
from core.domain.progress import StageLog
from ui import outside_text
from ui.access.page_access import current_creator
from ui.create import edits, flow, spoken_input
from ui.create.compare_results import can_compare, compare_box
from ui.create.handover import hand_over, request_settings
from ui.create.session_images import result_key
from ui.create.state import CREATE
from ui.create.studio import RESULT_CARD, RESULT_CARDS, RESULT_RUN, bring_into_view
from ui.feedback import user_message
from ui.navigation import HISTORY_PAGE, link_to_page
from ui.outside_text import escape_markdown
from ui.record_display import image_download_name, model_name

POLL_S = 0.5
STATE_ICONS = {
    "running": ":material/progress_activity:",
    "complete": ":material/check_circle:",
    "error": ":material/error:",
}
STAGE_LABELS = {
    "load_speech_model": "Loading speech model",
    "transcribe": "Transcribe",
    "translate": "Translate to English",
    "improve_prompt": "Improve prompt",
    "generate": "Generate",
    "load_caption_model": "Loading caption model",
    "caption": "Caption image {image}",
    "upload": "Save image {image}",
}


def stage_label(name: str, image: int | None = None) -> str:
    if name == "caption" and image is None:
        return "Caption images"  # all of a run's images in one batch
    return STAGE_LABELS.get(name, name).format(image=image)


def stage_lines(stages: StageLog) -> list[str]:
    """One line per stage with the time the pipeline measured (the only time shown for it anywhere)."""
    lines = [f"✅ {stage_label(s.name, s.image)} — {s.ms / 1000:.2f} s" for s in stages.stages]
    if isinstance(stages, CreateRun) and not stages.done and stages.current is not None:
        lines.append(f"⏳ {stage_label(*stages.current)}…")
    return lines


def show_transcription(settings: Settings) -> None:
    """How the last transcription went, under the inputs."""
    last = spoken_input.last_transcription()
    if last is None:
        return
    if last.error:
        failed = stage_label(*(last.stages.current or ("transcribe", None)))
        outside_text.error(f"{failed}: {last.error}")
        st.button("Dismiss", key="dismiss_transcription", on_click=spoken_input.dismiss_transcription_failure)
    with st.expander("Details"):  # the stage times; the status box above already said it was transcribed
        for line in stage_lines(last.stages):
            st.caption(line)


def show_results(pipeline: Pipeline, settings: Settings, *, buttons_disabled: bool) -> None:
    """The results; `buttons_disabled` says whether the page drew Generate and Do it all disabled this time."""
    if notice := CREATE.take_notice():
        st.info(notice, icon="✋")
    if not flow.runs():
        return
    st.subheader("Results")

    @st.fragment(run_every=POLL_S if buttons_disabled or flow.busy() else None)
    def results() -> None:
        runs = flow.runs()
        if not runs:
            return
        newest, *earlier = runs
        block = f"{RESULT_RUN}{newest.id[:8]}"
        with st.container(key=block):
            _run_status(newest, settings)
            _drafts(pipeline, settings, newest)
        bring_into_view(block if CREATE.is_new_run(newest) else None)  # a new run, never Save or a later rerun
        for run in earlier:
            if flow.has_unsettled_drafts(run):
                with st.expander(f"Earlier, not saved: “{escape_markdown(_short(run.prompt))}”", expanded=False):
                    _drafts(pipeline, settings, run)
        if any(run.saved_ids for run in runs):
            link_to_page(HISTORY_PAGE, "See everything in History", icon="🗂️")
        if buttons_disabled and not flow.busy():
            st.rerun(scope="app")  # the run ended: enable the buttons, show a transcript in the prompt box

    results()


def _run_status(run: CreateRun, settings: Settings) -> None:
    total = sum(stage.ms for stage in run.stages)
    state: Literal["running", "complete", "error"]
    if run.error is not None:
        failed = stage_label(*(run.failed_stage or ("generate", None)))
        label, state = f"{failed} failed", "error"
    elif run.done:
        label, state = f"Done in {total / 1000:.1f} s", "complete"
    else:
        label, state = ("Working…" if not run.current else f"{stage_label(*run.current)}…"), "running"
    # An expander, not st.status: st.status sleeps 50 ms on entry and 50 ms more on exit while running (to let
    # the browser animate), and this fragment redraws every POLL_S during a run: 100 ms of each page rerun.
    failure_shown = run.error is not None and run.id not in flow.dismissed_failures()
    with st.expander(label, expanded=failure_shown, icon=STATE_ICONS[state]):
        if failure_shown and run.error is not None:
            outside_text.error(f"{label}: {user_message(run.error, settings.secret_values)}", icon=None)
            st.button("Dismiss", key=f"dismiss_{run.id[:8]}", on_click=flow.dismiss_failure, args=(run.id,))
        for line in stage_lines(run):
            st.write(line)
    st.caption(f"Prompt: “{escape_markdown(run.prompt)}”")


def _drafts(pipeline: Pipeline, settings: Settings, run: CreateRun) -> None:
    """The run's cards in one wrapping row (two abreast on a desktop; one swipeable row on a phone: studio.py)."""
    shown = [i for i in range(len(run.drafts)) if (run.id, i) not in flow.discarded_drafts()]
    comparable = can_compare()
    with st.container(horizontal=True, gap="small", key=f"{RESULT_CARDS}{run.id[:8]}"):
        for index in shown:
            with st.container(border=True, key=f"{RESULT_CARD}{run.id[:8]}_{index}"):
                _card(pipeline, settings, run, index, comparable=comparable)


def _card(pipeline: Pipeline, settings: Settings, run: CreateRun, index: int, *, comparable: bool) -> None:
    draft = run.drafts[index]
    key = f"{run.id[:8]}_{index}"
    st.image(draft.image.data, width="stretch")
    if draft.caption is not None:
        st.text(draft.caption)
    else:
        st.caption("✍️ Writing a caption…" if not run.done else "(no caption: try Caption again)")
    with st.popover("Details"):  # a popover, not an expander: earlier drafts already sit in one
        st.caption(_times(draft) + (f" · seed {draft.request.seed}" if draft.request.seed is not None else ""))
        captions = f", captions {model_name(draft.caption_model)}" if draft.caption_model else ""
        st.caption(f"Image model {model_name(draft.image_model)}{captions}")
        if draft.prediction_id:  # what was paid for, to find it on replicate.com or to quote to support
            st.caption(f"Replicate prediction {escape_markdown(draft.prediction_id)}")
    if problem := CREATE.problems.pop((run.id, index), None):
        outside_text.error(problem)
    # One row that wraps (not three equal columns): at four results a column was too narrow for
    # "Caption again" and "Reuse settings", which were cut to "Caption…" and "Reus…".
    actions = st.container(horizontal=True, vertical_alignment="center", gap="small")
    # Callbacks run before the redraw, so the card below already shows their outcome.
    action = (pipeline, settings, run, index)
    label = "Caption again" if draft.caption else "Caption"
    actions.button(label, key=f"caption_{key}", disabled=not run.done, on_click=_recaption, args=action)
    if index in run.saved_ids:
        actions.success(f"Saved as #{run.saved_ids[index]}")
    else:
        actions.button(
            "Save", key=f"save_{key}", type="primary", disabled=not run.captions_done, on_click=_save, args=action
        )
        actions.button(
            "Discard",
            key=f"discard_{key}",
            disabled=not run.done,
            on_click=_discard,
            args=action,
        )
    unsaved_name = f"result-{run.id[:8]}-{index + 1}"
    actions.download_button(
        "Download",
        data=draft.image.data,
        file_name=image_download_name(run.saved_ids.get(index), unsaved_name, draft.image.output_format),
        mime=draft.image.content_type,
        key=f"download_{key}",
        on_click="ignore",  # the bytes are in the page already: no rerun
    )
    with actions.popover("Reuse settings"):
        with_seed = st.checkbox(f"Same seed ({draft.request.seed})", key=f"reuse_seed_{key}")
        if st.button("Use these settings", key=f"reuse_{key}"):
            hand_over(request_settings(draft.request, with_seed=with_seed))
            st.rerun(scope="app")  # the prompt box and options sit outside this fragment
    if comparable:
        with actions:
            compare_box(result_key(run.id, index), key=f"compare_{key}")
    edits.pick_button(run, index, disabled=not run.captions_done)


def _times(draft: Draft) -> str:
    """The stage times stored with the image (the figures of the run's status lines)."""
    names = {"upload": "save"}
    return " · ".join(f"{names.get(name, name)} {ms / 1000:.2f} s" for name, ms in draft.timings_ms.items())


def _recaption(pipeline: Pipeline, settings: Settings, run: CreateRun, index: int) -> None:
    stages = StageLog()
    try:
        run.replace_draft(index, pipeline.caption(run.drafts[index], progress=stages, index=index))
    except Exception as exc:
        CREATE.problems[(run.id, index)] = f"Caption image {index + 1}: {user_message(exc, settings.secret_values)}"


def _save(pipeline: Pipeline, settings: Settings, run: CreateRun, index: int) -> None:
    try:
        saved = pipeline.save(run.drafts[index], index=index, created_by=current_creator())
    except Exception as exc:
        CREATE.problems[(run.id, index)] = f"Save image {index + 1}: {user_message(exc, settings.secret_values)}"
        return
    run.mark_saved(index, saved.record.id)


def _discard(pipeline: Pipeline, settings: Settings, run: CreateRun, index: int) -> None:
    """Hide the result and delete its stored draft (row and image), so it is not offered again later."""
    flow.discarded_drafts().add((run.id, index))
    try:
        pipeline.keeper.discard(run.drafts[index])
    except Exception as exc:
        CREATE.problems[(run.id, index)] = f"Discard image {index + 1}: {user_message(exc, settings.secret_values)}"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
