"""Create: speak or type an idea, then generate, caption and save images."""

import streamlit as st

from core.domain.languages import NAMES, language_name
from core.domain.ports import ASPECT_RATIOS, MEGAPIXELS, OUTPUT_FORMATS
from ui import outside_text
from ui.access.page_access import guarded_settings
from ui.create import compare_results, edits, flow, prompt_tools, spoken_input, state
from ui.create.results import show_results, show_transcription
from ui.create.studio import studio_columns
from ui.create.unsaved_drafts import show_unsaved_drafts
from ui.feedback import attempt
from ui.model_status import show_model_status, speech_model_failed
from ui.outside_text import escape_markdown
from ui.record_display import model_name
from ui.recorder import live_recorder, live_words_available
from ui.resources import database_problem, services

app = attempt(services, guarded_settings().secret_values)
if app is None:
    st.stop()
settings = app.settings
pipeline = app.pipeline
flow.prepare_state()

st.title("🎨 Create")
show_model_status(app)
if settings.replicate_api_token is None:
    st.error(
        "Image generation needs a Replicate API token: set REPLICATE_API_TOKEN in `.env`, the environment or "
        "`.streamlit/secrets.toml`, then restart the app. "
        + (
            "You can still type a prompt."
            if speech_model_failed(app)
            else "You can still transcribe and edit a prompt."
        ),
        icon="🔑",
    )
if problem := database_problem(app):
    outside_text.warning(
        f"Saving is unavailable right now: {problem} Images you make stay in this session; save them once "
        "the database is back.",
        icon="🗄️",
    )

prompt_area, results_area = studio_columns()  # side by side when wide; on a phone the results come first
with prompt_area:
    record_tab, upload_tab = st.tabs(["🎤 Record", "📁 Upload"])
    with record_tab:
        live = live_words_available(settings, state.LIVE_RECORDER)  # words while speaking; docs/using.md says when
        if live:
            if streamed := live_recorder("Record a description", key=state.LIVE_RECORDER):
                spoken_input.take_streamed(streamed)
        else:
            st.audio_input(
                "Record a description",
                key=state.RECORDING,
                on_change=spoken_input.input_changed,
                args=(state.RECORDING,),
            )
    with upload_tab:
        # No `type=` filter: Streamlit would raise on other extensions; core.speech.audio explains what to upload.
        st.file_uploader(
            f"Upload audio (WAV, FLAC, OGG or MP3, up to {settings.max_upload_mb} MB); transcribed when it arrives",
            key=state.UPLOAD,
            on_change=spoken_input.input_changed,
            args=(state.UPLOAD,),
        )
    language_col, transcribe_col = st.columns([3, 2], vertical_alignment="bottom")
    language_col.selectbox(
        "Spoken language",
        [state.AUTO_LANGUAGE, *NAMES],
        key=state.SPOKEN_LANGUAGE,
        format_func=lambda code: (
            "Auto (detect it)" if code == state.AUTO_LANGUAGE else f"{language_name(code)} ({code})"
        ),
        help="Say which language you speak and Whisper skips guessing it (a short clip can be misheard).",
    )
    if arrived := spoken_input.take_auto_transcription():
        spoken_input.transcribe(pipeline, settings, arrived)
    audio = spoken_input.active_audio()
    label = "Transcribe again" if spoken_input.transcript() else "Transcribe"
    if transcribe_col.button(label, key=state.TRANSCRIBE_BUTTON, disabled=audio is None) and audio is not None:
        spoken_input.transcribe(pipeline, settings, audio)
    prompt_tools.auto_translate(app)  # TRANSLATE_PROMPTS=auto: a new transcript in another language, once
    prompt_tools.run_requested(app)  # Translate or Improve prompt, clicked: made here, under a spinner
    show_transcription(settings)

    # No max_chars: Streamlit would cut a longer transcript silently, mid-word; it is flagged below instead.
    prompt = st.text_area(
        "Prompt", key=state.PROMPT, height=100, placeholder="Record or upload a description, or type one here."
    )
    prompt_too_long = len((prompt or "").strip()) > settings.max_prompt_chars
    busy = flow.busy()
    # Not disabled while the prompt is empty: the box commits typed text only when it loses focus, so a
    # disabled button would swallow the click that ends typing (and a browser test's fill-then-click would
    # wait forever). An empty click is refused with a notice instead (flow.start_run), never a failure.
    generate_col, all_col = st.columns([1, 2])
    generate_col.button(
        "Generate",
        key=state.GENERATE_BUTTON,
        type="primary",
        width="stretch",
        disabled=busy or prompt_too_long,
        on_click=flow.start_run,
        args=(pipeline, False, prompt_tools.run_steps(app)),
    )
    all_col.button(
        "Do it all: transcribe, generate, caption, save",
        key=state.RUN_ALL_BUTTON,
        width="stretch",
        disabled=busy or prompt_too_long,
        on_click=flow.start_run,
        args=(pipeline, True, prompt_tools.run_steps(app)),
    )
    flow.prompt_length_notice(prompt or "", settings)
    st.info(spoken_input.input_in_use(), icon="👉")
    prompt_tools.show_prompt_tools(app, disabled=busy)
    if (spoken := spoken_input.transcript()) is not None:
        with st.expander("Details"):  # the facts behind the status line, for whoever wants them
            speech_model = escape_markdown(model_name(spoken.model_id))
            st.caption(
                f"Transcribed in {spoken.ms / 1000:.2f} s by {speech_model}, as spoken: "
                f"“{escape_markdown(spoken.transcript.text)}”"
            )
    if not live:  # the live recorder hands over a finished transcript
        st.toggle("Transcribe when recording stops", key=state.AUTO_TRANSCRIBE)
    with st.expander("Generation options"):
        left, right = st.columns(2)
        left.selectbox("Aspect ratio", ASPECT_RATIOS, key=state.ASPECT_RATIO)
        left.slider("Number of images", 1, 4, key=state.NUM_OUTPUTS)
        left.number_input("Seed (blank = random, then shown with each image)", 0, 2**32 - 1, key=state.SEED)
        right.selectbox("Format", OUTPUT_FORMATS, key=state.OUTPUT_FORMAT)
        right.slider("Quality", 0, 100, key=state.OUTPUT_QUALITY)
        right.selectbox("Megapixels", MEGAPIXELS, key=state.MEGAPIXELS_KEY)
        right.checkbox("Go fast", key=state.GO_FAST)
with results_area:
    show_results(pipeline, settings, buttons_disabled=busy)
    edits.show_panel(app)  # under the results it edits: on a phone too, where this area opens the page
# Under the studio, not in the results column: on a phone that column opens the page, and a new session's
# leftovers (up to 24 full-width cards) would push Record and Generate screens down.
show_unsaved_drafts(app)
compare_results.show_compare(app)
