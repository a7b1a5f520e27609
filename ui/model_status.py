"""Whether each model is ready, shown on Home and Create and updated while models load in the background."""

from __future__ import annotations

import streamlit as st

from core.app.preload import FAILED, LOADING, ON_FIRST_USE, READY, WAITING, ModelState
from core.app.services import Services
from core.models.download import DownloadProgress, downloads
from ui.feedback import user_message
from ui.resources import model_preloader

REFRESH_S = 1.0
WORDS = {WAITING: "loading…", LOADING: "loading…", READY: "ready", ON_FIRST_USE: "loads on first use"}


def describe(state: ModelState, current: Services) -> str:
    if state.state == FAILED and state.error is not None:
        return f"could not load: {user_message(state.error, current.settings.secret_values)}"
    return WORDS.get(state.state, state.state)


def status_text(states: list[ModelState], started: list[DownloadProgress], current: Services) -> str:
    """One line: each model's state, then each download still going (bytes and percent; a first start)."""
    icons = {READY: "🟢", FAILED: "🔴"}
    parts = [f"{icons.get(s.state, '⏳')} {s.label}: {describe(s, current)}" for s in states]
    parts += [f"⏬ {download.describe()}" for download in started if not download.finished]
    return "  ·  ".join(parts)


def show_model_status(current: Services) -> None:
    """One line per model; redrawn every second (and only this part of the page) until all are settled."""
    preloader = model_preloader(current)

    @st.fragment(run_every=None if preloader.all_settled else REFRESH_S)
    def status_line() -> None:
        st.caption(status_text(preloader.states(), downloads(), current))

    status_line()
