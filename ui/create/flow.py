"""Create's runs: Generate and Do it all start one each, refused while one is going; results settle here.

Streamlit reruns the page on every interaction. Runs (Generate, Do it all) are started from button
callbacks, which run before the page script, so the page that follows already shows the buttons disabled;
and a click that arrives anyway while a run is under way is refused here, on the server, so one intent
never pays for two predictions. Drafts live in session state until saved or discarded. The keys and the
typed state are in ui.create.state; the spoken input in ui.create.spoken_input.
"""

from __future__ import annotations

import streamlit as st

from core.app.pipeline import Pipeline
from core.app.prompt_assistant import PromptSteps
from core.app.runs import CreateRun, RunInput
from core.config.settings import Settings
from core.domain.ports import GenerationRequest
from core.domain.prompt_rewrites import TRANSLATE, Rewrite
from ui.access.page_access import current_creator
from ui.create.handover import take_handover
from ui.create.spoken_input import (
    chosen_language,
    fingerprint,
    recording_behind,
    remember_transcript,
    untranscribed_audio,
)
from ui.create.state import (
    AUTO_LANGUAGE,
    AUTO_TRANSCRIBE,
    CREATE,
    NOTICE,
    OPTION_DEFAULTS,
    PROMPT,
    RUNS,
    SEED,
    SPOKEN_LANGUAGE,
    EditTarget,
)

__all__ = ["NOTICE", "PROMPT", "RUNS"]  # what tests and the benchmark read by these names


def prepare_state() -> None:
    """Defaults, then settings handed over by another page or by a finished run; before any widget is drawn."""
    for key, value in OPTION_DEFAULTS.items():
        st.session_state.setdefault(key, value)
    st.session_state.setdefault(AUTO_TRANSCRIBE, True)
    st.session_state.setdefault(SPOKEN_LANGUAGE, AUTO_LANGUAGE)
    settle_finished_runs()
    take_handover()


# ---- runs -------------------------------------------------------------------------------------------


# Speech runs at about 15 characters a second (150 words a minute), which is how the limits compare.
SPOKEN_CHARS_PER_SECOND = 15


def prompt_length_notice(prompt: str, settings: Settings) -> bool:
    """Explain the prompt and audio limits; flag a prompt over its limit. True if it must be shortened."""
    length, limit = len(prompt.strip()), settings.max_prompt_chars
    if length > limit:
        st.warning(
            f"The prompt is {length} characters long; the limit is {limit}. Nothing has been cut: shorten it "
            "here before generating.",
            icon="✂️",
        )
    st.caption(
        f"{length}/{limit} characters; {limit} is about {limit // SPOKEN_CHARS_PER_SECOND} s of speech. Recordings "
        f"may last up to {settings.max_audio_seconds:.0f} s ({settings.max_upload_mb} MB), so a long one may need "
        "shortening here."
    )
    return length > limit


def runs() -> list[CreateRun]:
    """The runs shown under Results, newest first."""
    return CREATE.runs


def busy() -> bool:
    """Whether a run of this session is still going (a prediction may be in flight)."""
    return any(not run.done for run in runs())


def start_run(pipeline: Pipeline, save: bool, steps: PromptSteps | None = None) -> None:
    """Button callback for Generate (save=False) and Do it all (save=True); refuses while a run is going.

    `steps` rewrite the words of audio the run transcribes itself (TRANSLATE_PROMPTS=auto translates them)."""
    if busy():
        CREATE.tell("Still working on your last request: that click was ignored, so nothing is made or paid for twice.")
        return
    audio = untranscribed_audio()
    if audio is None and (reason := nothing_to_draw_reason()) is not None:
        # Nothing to draw is no failure: a notice, no run, nothing paid for.
        CREATE.tell(reason)
        return
    options = {key: st.session_state.get(key, default) for key, default in OPTION_DEFAULTS.items()}
    seed = options.pop(SEED)
    prompt = CREATE.prompt
    request = GenerationRequest(prompt=prompt, seed=None if seed is None else int(seed), **options)
    run_input = RunInput(
        request=request,
        audio=audio.getvalue() if audio is not None else None,
        filename=audio.name if audio is not None else None,
        # The transcript travels only with an image drawn from its (possibly edited) words, for History.
        transcript=recording_behind(request.prompt) if audio is None else None,
        save=save,
        created_by=current_creator(),
        steps=steps if audio is not None else None,
        language=chosen_language(),
    )
    run = CreateRun(pipeline, run_input)
    keep_edit_source()
    CREATE.add_run(run, keep=[r for r in runs() if has_unsettled_drafts(r) or is_edit_source(r)])
    if audio is not None:
        CREATE.run_audio = (run.id, fingerprint(audio))
    run.start()


def keep_edit_source() -> None:
    """A new run leaves the change panel where it is: a saved source is held by its record id from now on.

    Generate drops saved runs from Results; were the panel's source one of them, the panel (and an instruction
    typed or spoken into it) would vanish without a word. An unsaved source keeps its run shown instead."""
    target = CREATE.edit_target
    if target is None or target.run_id is None:
        return
    run = CREATE.find_run(target.run_id)
    if run is not None and (record_id := run.saved_ids.get(target.index)) is not None:
        CREATE.edit_target = EditTarget.record(record_id)


def is_edit_source(run: CreateRun) -> bool:
    target = CREATE.edit_target
    return target is not None and target.run_id == run.id


def nothing_to_draw_reason() -> str | None:
    """Why Generate and Do it all have nothing to work from (an empty prompt and no new audio), or None."""
    if CREATE.prompt.strip() or untranscribed_audio() is not None:
        return None
    return "Type a prompt or record one first: there is nothing to draw yet."


def dismissed_failures() -> set[str]:
    return CREATE.dismissed


def dismiss_failure(run_id: str) -> None:
    """Button callback: close a failed run's notice; the images it made before failing, if any, stay."""
    dismissed_failures().add(run_id)
    CREATE.runs = [run for run in runs() if run.id != run_id or has_unsettled_drafts(run)]


def has_unsettled_drafts(run: CreateRun) -> bool:
    discarded = discarded_drafts()
    return any(i not in run.saved_ids and (run.id, i) not in discarded for i in range(len(run.drafts)))


def discarded_drafts() -> set[tuple[str, int]]:
    return CREATE.discarded


def settle_finished_runs() -> None:
    """Once a run that transcribed audio has finished, its words go into the prompt box, once."""
    handed = CREATE.run_audio
    if not handed:
        return
    run_id, audio_fingerprint = handed
    run = next((r for r in runs() if r.id == run_id), None)
    if run is None or run.done:
        CREATE.run_audio = None
    if run is not None and run.done and run.input.audio is not None and run.transcript is not None:
        remember_transcript(run.transcript, audio_fingerprint)
        spoken = run.transcript.transcript.text
        if run.drafts and run.prompt != spoken:  # translated on the way: the box shows what was drawn, with Undo
            CREATE.prompt = run.prompt
            CREATE.derived = [run.prompt]
            ms = run.drafts[0].timings_ms.get(TRANSLATE, 0.0)
            CREATE.undo = Rewrite(TRANSLATE, spoken, run.prompt, run.input.steps_model or "", ms)
