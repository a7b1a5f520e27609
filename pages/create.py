"""Create: speak or type an idea, then generate, caption and save images."""

from dataclasses import replace

import streamlit as st

from core.ports import ASPECT_RATIOS, MEGAPIXELS, OUTPUT_FORMATS, GenerationRequest
from ui import create_flow as flow
from ui.feedback import attempt
from ui.gate import guarded_settings
from ui.navigation import HISTORY_PAGE, link_to_page
from ui.resources import database_problem, services

app = attempt(services, guarded_settings().secret_values)
if app is None:
    st.stop()
settings = app.settings
pipeline = app.pipeline
flow.apply_pending_prompt()

st.title("🎨 Create")
if settings.replicate_api_token is None:
    st.error(
        "Image generation needs a Replicate API token: set REPLICATE_API_TOKEN in `.env`, the environment or "
        "`.streamlit/secrets.toml`, then restart the app. You can still transcribe and edit a prompt.",
        icon="🔑",
    )
if problem := database_problem(app):
    st.warning(
        f"Saving is unavailable right now: {problem} Images you make stay in this session; save them once "
        "the database is back.",
        icon="🗄️",
    )

st.subheader("1. Describe the image")
record_tab, upload_tab = st.tabs(["🎤 Record", "📁 Upload"])
with record_tab:
    recording = st.audio_input("Record a description", key="rec")
with upload_tab:
    # No `type=` filter: Streamlit would raise on other extensions; core.audio explains what to upload instead.
    upload = st.file_uploader(f"Upload audio (WAV, FLAC, OGG or MP3, up to {settings.max_upload_mb} MB)", key="upload")
audio = upload or recording
if st.button("Transcribe", key="transcribe", disabled=audio is None):
    runner = flow.StageRunner("Transcribing", settings)
    if audio is not None:
        flow.transcribe(runner, pipeline, audio.getvalue(), audio.name)
    runner.finish("Transcribed")

st.subheader("2. Edit the prompt")
# No max_chars: Streamlit would cut a longer transcript silently, mid-word; it is flagged below instead.
prompt = st.text_area(
    "Prompt", key=flow.PROMPT, height=100, placeholder="Record or upload a description, or type one here."
)
prompt_too_long = flow.prompt_length_notice(prompt or "", settings)
if (spoken := flow.transcript()) is not None:
    st.caption(f"Transcribed by {spoken.model_id} in {spoken.ms / 1000:.2f} s: “{spoken.transcript.text}”")

with st.expander("Generation options"):
    left, right = st.columns(2)
    aspect_ratio = left.selectbox("Aspect ratio", ASPECT_RATIOS, key="aspect_ratio")
    num_outputs = left.slider("Number of images", 1, 4, 1, key="num_outputs")
    seed = left.number_input("Seed (blank = random)", min_value=0, max_value=2**32 - 1, value=None, key="seed")
    output_format = right.selectbox("Format", OUTPUT_FORMATS, key="output_format")
    output_quality = right.slider("Quality", 0, 100, 80, key="output_quality")
    megapixels = right.selectbox("Megapixels", MEGAPIXELS, key="megapixels")
    go_fast = right.checkbox("Go fast", value=True, key="go_fast")

request = GenerationRequest(
    prompt=prompt or "",
    aspect_ratio=aspect_ratio,
    num_outputs=num_outputs,
    seed=int(seed) if seed is not None else None,
    output_format=output_format,
    output_quality=output_quality,
    go_fast=go_fast,
    megapixels=megapixels,
)
generate_col, all_col = st.columns(2)
if generate_col.button("Generate", key="generate", type="primary", disabled=prompt_too_long):
    runner = flow.StageRunner("Generating", settings)
    flow.generate_and_caption(runner, pipeline, request)
    runner.finish("Generated and captioned")
if all_col.button("Do it all: transcribe, generate, caption, save", key="run_all", disabled=prompt_too_long):
    runner = flow.StageRunner("Running every step", settings)
    if audio is not None and not (prompt or "").strip():
        spoken_now = flow.transcribe(runner, pipeline, audio.getvalue(), audio.name)
        request = replace(request, prompt=spoken_now.transcript.text if spoken_now else "")
    for index, _ in enumerate(flow.generate_and_caption(runner, pipeline, request)):
        flow.save_draft(runner, pipeline, index)
    runner.finish("Done")
flow.render_last_run()

drafts = flow.drafts()
if drafts:
    st.subheader("3. Results")
    saved = flow.saved_ids()
    columns = st.columns(2)
    for index, draft in enumerate(drafts):
        with columns[index % len(columns)].container(border=True):
            st.image(draft.image.data, width="stretch")
            st.text(draft.caption or "(no caption yet)")
            times = " · ".join(f"{stage} {ms / 1000:.2f} s" for stage, ms in draft.timings_ms.items())
            st.caption(times)
            caption_col, save_col = st.columns(2)
            if caption_col.button("Caption again" if draft.caption else "Caption", key=f"caption_{index}"):
                runner = flow.StageRunner("Captioning", settings)
                flow.caption_draft(runner, pipeline, index)
                runner.finish("Captioned")
            if draft.idempotency_key in saved:
                save_col.success(f"Saved as #{saved[draft.idempotency_key]}")
            elif save_col.button("Save", key=f"save_{index}", type="primary"):
                runner = flow.StageRunner("Saving", settings)
                flow.save_draft(runner, pipeline, index)
                runner.finish("Saved")
    if saved:
        link_to_page(HISTORY_PAGE, "See everything in History", icon="🗂️")
