"""Whether each model is ready, shown on Home and Create and updated while models load in the background."""

from __future__ import annotations

import streamlit as st

from core.app.preload import FAILED, LOADING, ON_FIRST_USE, READY, WAITING, ModelState
from core.app.services import Services
from core.config.settings import Secret
from core.domain.errors import ModelLoadError
from core.models.download import DownloadProgress, downloads
from ui.feedback import user_message
from ui.outside_text import escape_markdown
from ui.resources import model_preloader

REFRESH_S = 1.0
SPEECH_MODEL = "Speech model"  # core.app.process names the preloaded models
# Said with every failed model: offline (a fresh clone without the model hub) is the usual cause. Markdown for the
# error box the app writes itself (commands and paths as code); WAY_OUT, without the code marks, joins outside text.
WAY_OUT_MARKDOWN = (
    "To fix it: download the models where the model hub is reachable (`python -m core check --load-models` puts "
    "them under `~/.cache/huggingface/hub`, one `snapshots/<revision>` folder each), copy those folders here and "
    "set `WHISPER_MODEL`, `CAPTION_MODEL` and `EMBEDDING_MODEL` to them, then restart; or run `make run-remote`, "
    "which transcribes, captions and embeds on Replicate instead (`REPLICATE_API_TOKEN` only, no model downloads)."
)
WAY_OUT = WAY_OUT_MARKDOWN.replace("`", "")
WORDS = {
    WAITING: "loading…",
    LOADING: "loading…",
    READY: "ready",
    ON_FIRST_USE: "loads on first use",
    FAILED: "could not load (why, below)",  # the error box under the line says why, once
}


def describe(state: ModelState) -> str:
    return WORDS.get(state.state, state.state)


def model_failure_message(exc: BaseException, current_secrets: tuple[Secret, ...]) -> str:
    """What to say when a model fails on first use (preloading off): the reason, then the way out."""
    message = user_message(exc, current_secrets)
    return f"{message} {WAY_OUT}" if isinstance(exc, ModelLoadError) else message


def describe_failure(state: ModelState, current: Services) -> str:
    return user_message(state.error, current.settings.secret_values) if state.error is not None else "(no reason)"


def speech_model_failed(current: Services) -> bool:
    """Whether the speech model failed to load: then nothing may say that transcription works."""
    return any(s.label == SPEECH_MODEL and s.state == FAILED for s in model_preloader(current).states())


def failure_text(failed: list[ModelState], current: Services) -> str:
    """One error box's markdown for every model that could not load: each reason (outside text, made inert), then
    the way out once. Offline, all three fail for the same reason: three boxes said it three times."""
    reasons = [(state.label, escape_markdown(describe_failure(state, current))) for state in failed]
    if len(reasons) == 1:
        ((label, reason),) = reasons
        return f"{label} could not load: {reason}\n\n{WAY_OUT_MARKDOWN}"
    listed = "\n".join(f"- {label}: {reason}" for label, reason in reasons)
    return f"These models could not load:\n\n{listed}\n\n{WAY_OUT_MARKDOWN}"


def status_text(states: list[ModelState], started: list[DownloadProgress]) -> str:
    """One line: each model's state, then each download still going (bytes and percent; a first start)."""
    icons = {READY: "🟢", FAILED: "🔴"}
    parts = [f"{icons.get(s.state, '⏳')} {s.label}: {describe(s)}" for s in states]
    parts += [f"⏬ {download.describe()}" for download in started if not download.finished]
    return "  ·  ".join(parts)


def show_model_status(current: Services) -> None:
    """One line per model; redrawn every second (and only this part of the page) until all are settled."""
    preloader = model_preloader(current)

    @st.fragment(run_every=None if preloader.all_settled else REFRESH_S)
    def status_line() -> None:
        states = preloader.states()
        st.caption(status_text(states, downloads()))
        if failed := [state for state in states if state.state == FAILED]:
            # As visible as the missing token: an error box with the way out, not a grey line.
            st.error(failure_text(failed, current), icon="⚠️")

    status_line()
