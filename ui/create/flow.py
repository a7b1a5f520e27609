"""Session state of the Create page: which input is in use, transcription, starting runs, reusing settings.

Streamlit reruns the page on every interaction. Runs (Generate, Do it all) are started from button
callbacks, which run before the page script, so the page that follows already shows the buttons disabled;
and a click that arrives anyway while a run is under way is refused here, on the server, so one intent
never pays for two predictions. Drafts live in session state until saved or discarded.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from core.app.pipeline import Pipeline, TimedTranscript
from core.app.prompt_assistant import PromptSteps
from core.app.runs import CreateRun, RunInput
from core.config.settings import Settings
from core.domain.ports import ASPECT_RATIOS, MEGAPIXELS, OUTPUT_FORMATS, GenerationRequest
from core.domain.progress import StageLog
from core.domain.prompt_rewrites import TRANSLATE, Rewrite
from core.domain.provenance import comes_from_recording
from core.domain.records import ImageRecordView
from ui.access.page_access import current_creator
from ui.model_status import model_failure_message
from ui.outside_text import escape_markdown
from ui.recorder import StreamedRecording

PROMPT = "prompt"
RECORDING = "rec"
LIVE_RECORDER = "live_rec"  # the live recorder (ui/recorder), where app.py serves /listen
STREAMED = "_streamed_recording"  # its last finished recording, an UploadedFile like RECORDING's
UPLOAD = "upload"
AUTO_TRANSCRIBE = "auto_transcribe"
SPOKEN_LANGUAGE = "spoken_language"  # a Whisper code the person chose, or AUTO_LANGUAGE (detect it)
AUTO_LANGUAGE = "auto"  # a value, not None: a selectbox shows None as "Choose an option"
PENDING_PROMPT = "_pending_prompt"
REUSE = "reuse_settings"  # a dict of generation settings handed over by History's or a result's "Reuse settings"
TRANSCRIPT = "_transcript"
TRANSCRIBED_AUDIO = "_transcribed_audio"  # fingerprint of the audio the transcript came from
DERIVED = "_derived_from_transcript"  # translations and improvements of the transcript's words (a list of str)
ACTIVE_INPUT = "_active_input"
AUTO_PENDING = "_auto_transcribe_pending"
LAST_TRANSCRIPTION = "_last_transcription"
RUNS = "_runs"  # newest first
DISMISSED = "_dismissed_failures"  # ids of runs whose failure notice the person closed
NOTICE = "_notice"
UNDO = "_prompt_undo"  # the last translation or improvement of the prompt box (a Rewrite), for its Undo button
OPTION_DEFAULTS: dict[str, Any] = {
    "aspect_ratio": ASPECT_RATIOS[0],
    "num_outputs": 1,
    "seed": None,
    "output_format": OUTPUT_FORMATS[0],
    "output_quality": 80,
    "megapixels": MEGAPIXELS[0],
    "go_fast": True,
}
REUSABLE = ("prompt", "aspect_ratio", "output_format", "output_quality", "megapixels", "seed")


@dataclass(frozen=True)
class Transcription:
    """How the last transcription went: the stages the pipeline measured, or what stopped it."""

    stages: StageLog
    error: str | None = None


def prepare_state() -> None:
    """Defaults, then settings handed over by another page or by a finished run; before any widget is drawn."""
    for key, value in OPTION_DEFAULTS.items():
        st.session_state.setdefault(key, value)
    st.session_state.setdefault(AUTO_TRANSCRIBE, True)
    st.session_state.setdefault(SPOKEN_LANGUAGE, AUTO_LANGUAGE)
    settle_finished_runs()
    if reuse := st.session_state.pop(REUSE, None):
        apply_settings(reuse)
    if PENDING_PROMPT in st.session_state:
        st.session_state[PROMPT] = st.session_state.pop(PENDING_PROMPT)


def apply_settings(settings: dict[str, Any]) -> None:
    """Put reused settings into the widgets; the prompt stops being the transcript of any audio."""
    for key in REUSABLE:
        if key in settings and (settings[key] is not None or key == "seed"):
            st.session_state[key] = settings[key]
    st.session_state.pop(TRANSCRIPT, None)


def request_settings(request: GenerationRequest, *, with_seed: bool) -> dict[str, Any]:
    """The reusable settings of a request (optionally its seed), as `apply_settings` takes them."""
    chosen = {
        "prompt": request.prompt,
        "aspect_ratio": request.aspect_ratio,
        "output_format": request.output_format,
        "output_quality": request.output_quality,
        "megapixels": request.megapixels,
    }
    return chosen | ({"seed": request.seed} if with_seed else {})


def record_settings(record: ImageRecordView, *, with_seed: bool) -> dict[str, Any]:
    """The reusable settings of a saved image; what older rows did not record keeps its current value."""
    chosen: dict[str, Any] = {
        "prompt": record.prompt,
        "aspect_ratio": record.aspect_ratio,
        "output_format": record.output_format,
        "output_quality": record.output_quality,
        "megapixels": record.megapixels,
    }
    return chosen | ({"seed": record.seed} if with_seed and record.seed is not None else {})


# ---- inputs -----------------------------------------------------------------------------------------


def input_changed(key: str) -> None:
    """A recording or upload arrived or was removed: the most recent input is the one in use."""
    other = UPLOAD if key == RECORDING else RECORDING
    if st.session_state.get(key) is not None:
        st.session_state[ACTIVE_INPUT] = key
        st.session_state[AUTO_PENDING] = key == UPLOAD or bool(st.session_state.get(AUTO_TRANSCRIBE, True))
    elif st.session_state.get(ACTIVE_INPUT) == key:
        st.session_state[ACTIVE_INPUT] = other if st.session_state.get(other) is not None else None
        st.session_state[AUTO_PENDING] = False


def take_streamed(recording: StreamedRecording) -> None:
    """A live recording finished: it is the input in use, and its words (heard while speaking) fill the prompt."""
    st.session_state[STREAMED] = recording.audio
    st.session_state[ACTIVE_INPUT] = STREAMED
    st.session_state[AUTO_PENDING] = False
    if not recording.text:
        no_words = "No speech was recognised. Speak closer to the microphone and record again."
        st.session_state[LAST_TRANSCRIPTION] = Transcription(StageLog(), no_words)
        return
    st.session_state[LAST_TRANSCRIPTION] = Transcription(StageLog())
    remember_transcript(recording.timed(), fingerprint(recording.audio))


def active_audio() -> UploadedFile | None:
    key = st.session_state.get(ACTIVE_INPUT)
    audio = st.session_state.get(key) if key else None
    return audio if isinstance(audio, UploadedFile) else None


def fingerprint(audio: UploadedFile) -> str:
    return hashlib.sha256(audio.getvalue()).hexdigest()


def untranscribed_audio() -> UploadedFile | None:
    """The input in use, if it is audio whose words are not in the prompt box yet (it then wins over the box)."""
    audio = active_audio()
    if audio is None or st.session_state.get(TRANSCRIBED_AUDIO) == fingerprint(audio):
        return None
    return audio


def input_in_use() -> str:
    """One sentence saying which input Generate and Do it all will use."""
    audio = active_audio()
    typed = (st.session_state.get(PROMPT) or "").strip()
    if audio is not None:
        recorded = st.session_state.get(ACTIVE_INPUT) in (RECORDING, STREAMED)
        name = "the recording" if recorded else f"the upload {escape_markdown(audio.name)}"
        if untranscribed_audio() is not None:
            return (
                f"In use: {name}, not transcribed yet. Generate and Do it all transcribe it first, "
                "and its words replace the prompt."
            )
        if recording_behind_prompt() is not None:
            return (
                f"In use: the prompt below, transcribed from {name}; it is saved with the transcript. Edit it "
                "freely; a new recording or upload replaces it."
            )
        if typed:
            return (
                f"In use: the prompt you typed. It no longer comes from {name}, so it is saved without its transcript."
            )
    if typed:
        return "In use: the prompt you typed."
    return "Record or upload a description, or type a prompt."


def take_auto_transcription() -> UploadedFile | None:
    """The audio to transcribe now because it just arrived (a finished recording, an upload), once."""
    if st.session_state.pop(AUTO_PENDING, False):
        return untranscribed_audio()
    return None


def transcribe(pipeline: Pipeline, settings: Settings, audio: UploadedFile) -> None:
    """Transcribe now, in this run, and put the words in the prompt box (which must not be drawn yet)."""
    stages = StageLog()
    with st.status("Transcribing…", expanded=False) as box:
        try:
            spoken = pipeline.transcribe(
                audio.getvalue(), filename=audio.name, progress=stages, language=chosen_language()
            )
        except Exception as exc:
            failure = model_failure_message(exc, settings.secret_values)  # a model that cannot load: the way out
            st.session_state[LAST_TRANSCRIPTION] = Transcription(stages, failure)
            box.update(label="Transcription failed", state="error")
            return
        box.update(label="Transcribed", state="complete")
    st.session_state[LAST_TRANSCRIPTION] = Transcription(stages)
    remember_transcript(spoken, fingerprint(audio))


def chosen_language() -> str | None:
    """The language the person said they speak (a Whisper code), or None to let Whisper detect it."""
    chosen = st.session_state.get(SPOKEN_LANGUAGE)
    return chosen if isinstance(chosen, str) and chosen != AUTO_LANGUAGE else None


def remember_transcript(spoken: TimedTranscript, audio_fingerprint: str) -> None:
    st.session_state[TRANSCRIPT] = spoken
    st.session_state[TRANSCRIBED_AUDIO] = audio_fingerprint
    st.session_state[PROMPT] = spoken.transcript.text
    st.session_state[DERIVED] = []


def transcript() -> TimedTranscript | None:
    return st.session_state.get(TRANSCRIPT)


def note_rewrite(before: str, after: str) -> None:
    """A translation or improvement of a prompt that came from the recording still comes from it."""
    if recording_behind(before) is not None:
        st.session_state[DERIVED] = [*st.session_state.get(DERIVED, []), after]


def recording_behind(prompt: str) -> TimedTranscript | None:
    """The transcript a prompt still comes from (as spoken, edited, translated, improved); None once replaced."""
    spoken = transcript()
    if spoken is None:
        return None
    sources = [spoken.transcript.text, *st.session_state.get(DERIVED, [])]
    return spoken if comes_from_recording(prompt, sources) else None


def recording_behind_prompt() -> TimedTranscript | None:
    return recording_behind(st.session_state.get(PROMPT) or "")


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
    kept: list[CreateRun] = st.session_state.setdefault(RUNS, [])
    return kept


def busy() -> bool:
    """Whether a run of this session is still going (a prediction may be in flight)."""
    return any(not run.done for run in runs())


def start_run(pipeline: Pipeline, save: bool, steps: PromptSteps | None = None) -> None:
    """Button callback for Generate (save=False) and Do it all (save=True); refuses while a run is going.

    `steps` rewrite the words of audio the run transcribes itself (TRANSLATE_PROMPTS=auto translates them)."""
    if busy():
        st.session_state[NOTICE] = (
            "Still working on your last request: that click was ignored, so nothing is made or paid for twice."
        )
        return
    audio = untranscribed_audio()
    if audio is None and (reason := nothing_to_draw_reason()) is not None:
        # Nothing to draw is no failure: a notice, no run, nothing paid for.
        st.session_state[NOTICE] = reason
        return
    options = {key: st.session_state.get(key, default) for key, default in OPTION_DEFAULTS.items()}
    seed = options.pop("seed")
    prompt = st.session_state.get(PROMPT) or ""
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
    st.session_state[RUNS] = [run, *(r for r in runs() if has_unsettled_drafts(r))]
    if audio is not None:
        st.session_state["_run_audio_fingerprint"] = (run.id, fingerprint(audio))
    run.start()


def nothing_to_draw_reason() -> str | None:
    """Why Generate and Do it all have nothing to work from (an empty prompt and no new audio), or None."""
    if (st.session_state.get(PROMPT) or "").strip() or untranscribed_audio() is not None:
        return None
    return "Type a prompt or record one first: there is nothing to draw yet."


def dismissed_failures() -> set[str]:
    dismissed: set[str] = st.session_state.setdefault(DISMISSED, set())
    return dismissed


def dismiss_failure(run_id: str) -> None:
    """Button callback: close a failed run's notice; the images it made before failing, if any, stay."""
    dismissed_failures().add(run_id)
    st.session_state[RUNS] = [run for run in runs() if run.id != run_id or has_unsettled_drafts(run)]


def dismiss_transcription_failure() -> None:
    st.session_state.pop(LAST_TRANSCRIPTION, None)


def has_unsettled_drafts(run: CreateRun) -> bool:
    discarded = discarded_drafts()
    return any(i not in run.saved_ids and (run.id, i) not in discarded for i in range(len(run.drafts)))


def discarded_drafts() -> set[tuple[str, int]]:
    discarded: set[tuple[str, int]] = st.session_state.setdefault("_discarded", set())
    return discarded


def settle_finished_runs() -> None:
    """Once a run that transcribed audio has finished, its words go into the prompt box, once."""
    handed = st.session_state.get("_run_audio_fingerprint")
    if not handed:
        return
    run_id, audio_fingerprint = handed
    run = next((r for r in runs() if r.id == run_id), None)
    if run is None or run.done:
        st.session_state.pop("_run_audio_fingerprint")
    if run is not None and run.done and run.input.audio is not None and run.transcript is not None:
        remember_transcript(run.transcript, audio_fingerprint)
        spoken = run.transcript.transcript.text
        if run.drafts and run.prompt != spoken:  # translated on the way: the box shows what was drawn, with Undo
            st.session_state[PROMPT] = run.prompt
            st.session_state[DERIVED] = [run.prompt]
            ms = run.drafts[0].timings_ms.get(TRANSLATE, 0.0)
            st.session_state[UNDO] = Rewrite(TRANSLATE, spoken, run.prompt, run.input.steps_model or "", ms)
