"""Create's prompt tools: the transcript's language, "Translate to English", "Improve prompt", and one-click undo.

Both tools replace the prompt box's text and keep what it held, so Undo puts it back; the transcript stays
as spoken (it is saved with the record beside the prompt the image was drawn from). With
TRANSLATE_PROMPTS=auto a transcript in another language is translated as soon as it arrives, once.
English speech is never sent for translation. A button's callback only asks for its (paid, short)
prompt-model call; the page makes it under a spinner just before the prompt box is drawn
(`run_requested`), so the person sees it working and the box is drawn with the answer.
"""

from __future__ import annotations

import streamlit as st

from core.app.prompt_assistant import PromptAssistant, PromptSteps
from core.app.services import Services
from core.config.settings import Settings
from core.domain.languages import language_name
from core.domain.prompt_rewrites import IMPROVE, Rewrite
from ui import outside_text
from ui.create import spoken_input
from ui.create.state import CREATE
from ui.feedback import user_message

ERROR = "_assist_error"
AUTO_DONE = "_auto_translated"  # the transcript TRANSLATE_PROMPTS=auto translated, so it happens once
REQUESTED = "_prompt_tool_requested"  # "translate" or "improve", asked for by a button, made before the box is drawn
UNDO_LABELS = {IMPROVE: "↩️ Undo improvement"}


def transcript_language() -> str | None:
    spoken = spoken_input.transcript()
    return spoken.transcript.language if spoken is not None else None


def _holds_transcript() -> bool:
    """Whether the prompt box still holds the transcript exactly as spoken (not translated, not edited)."""
    spoken = spoken_input.transcript()
    return spoken is not None and CREATE.prompt.strip() == spoken.transcript.text.strip()


def _replace_prompt(rewrite: Rewrite) -> None:
    spoken_input.note_rewrite(rewrite.before, rewrite.after)
    CREATE.prompt = rewrite.after
    CREATE.undo = rewrite


def _translate(assistant: PromptAssistant, settings: Settings) -> None:
    """Button callback: the prompt box's text in English."""
    st.session_state.pop(ERROR, None)
    try:
        rewrite = assistant.translate(CREATE.prompt, language=transcript_language())
    except Exception as exc:
        st.session_state[ERROR] = f"Translation failed: {user_message(exc, settings.secret_values)}"
        return
    if rewrite is not None:
        _replace_prompt(rewrite)


def _improve(assistant: PromptAssistant, settings: Settings) -> None:
    """Button callback: the prompt box's text as a detailed image prompt."""
    st.session_state.pop(ERROR, None)
    try:
        _replace_prompt(assistant.improve(CREATE.prompt))
    except Exception as exc:
        st.session_state[ERROR] = f"Improving the prompt failed: {user_message(exc, settings.secret_values)}"


def _undo() -> None:
    """Button callback: put back what the last translation or improvement replaced."""
    rewrite = CREATE.undo
    CREATE.undo = None
    if rewrite is not None:
        CREATE.prompt = rewrite.before


def _request(tool: str) -> None:
    """Button callback: the call runs in the page, under a spinner (a callback cannot show one in place)."""
    st.session_state[REQUESTED] = tool


def run_requested(app: Services) -> None:
    """Make the translation or improvement a button asked for, showing progress (before the box is drawn)."""
    tool = st.session_state.pop(REQUESTED, None)
    if tool == "translate":
        with st.spinner("Translating the prompt to English…"):
            _translate(app.assistant, app.settings)
    elif tool == "improve":
        with st.spinner("Improving the prompt…"):
            _improve(app.assistant, app.settings)


def auto_translate(app: Services) -> None:
    """TRANSLATE_PROMPTS=auto: translate a newly arrived transcript in another language (before the box is drawn)."""
    spoken = spoken_input.transcript()
    assistant = app.assistant
    if spoken is None or not assistant.auto_translate or app.settings.replicate_api_token is None:
        return
    if st.session_state.get(AUTO_DONE) is spoken or not assistant.needs_translation(spoken.transcript.language):
        return
    st.session_state[AUTO_DONE] = spoken
    if not _holds_transcript():
        return
    with st.spinner(f"Translating from {language_name(spoken.transcript.language)} to English…"):
        _translate(assistant, app.settings)


def run_steps(app: Services) -> PromptSteps | None:
    """What a run that transcribes audio itself (Generate or Do it all) does to the words: translate them, in auto."""
    if app.assistant.auto_translate and app.settings.replicate_api_token is not None:
        return PromptSteps(app.assistant, translate=True)
    return None


def show_prompt_tools(app: Services, *, disabled: bool) -> None:
    """Under the prompt box: the language heard, Translate, Improve and Undo, and what went wrong last."""
    assistant, settings = app.assistant, app.settings
    language = transcript_language()
    # Only while the prompt still comes from the recording: beside a typed prompt, "the transcript is kept"
    # contradicted the "In use:" line above ("saved without its transcript").
    if spoken_input.transcript() is not None and spoken_input.recording_behind_prompt() is not None:
        code = f" ({language})" if language else ""
        st.caption(f"🗣️ Heard in {language_name(language)}{code}; the transcript is kept as spoken.")
    no_token = settings.replicate_api_token is None
    prompt = CREATE.prompt.strip()
    # One wrapping row in order (not three fixed columns): alone, Improve stood in the middle of the row.
    tools = st.container(horizontal=True, gap="small")
    if assistant.needs_translation(language) and _holds_transcript():
        tools.button(
            "🌐 Translate to English",
            key="translate",
            disabled=disabled or no_token,
            on_click=_request,
            args=("translate",),
            help="Put the words in English, which the image model follows best",
        )
    tools.button(
        "✨ Improve prompt",
        key="improve",
        disabled=disabled or no_token or not prompt,
        on_click=_request,
        args=("improve",),
        help="Rewrite it as a detailed image prompt",
    )
    rewrite = CREATE.undo
    if rewrite is not None and prompt == rewrite.after.strip():
        tools.button(
            UNDO_LABELS.get(rewrite.kind, "↩️ Undo translation"), key="undo_prompt", disabled=disabled, on_click=_undo
        )
        outside_text.caption(f"{'Improved' if rewrite.kind == IMPROVE else 'Translated'}. Before: “{rewrite.before}”")
    if error := st.session_state.get(ERROR):
        outside_text.error(error)
