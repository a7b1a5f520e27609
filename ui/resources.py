"""The pages' settings and services: the process's shared ones (core.app.process), with page-side errors."""

from __future__ import annotations

import time

import streamlit as st

from core.app import process
from core.app.preload import ModelPreloader
from core.app.services import Services
from core.config.settings import Settings
from core.domain.errors import AppError, ConfigError
from ui.feedback import user_message

# After a failed migration (database down), wait this long before trying again on a rerun.
DATABASE_RETRY_S = 15.0


def streamlit_secrets() -> dict[str, object]:
    try:
        return {name: st.secrets[name] for name in st.secrets}
    except Exception:  # no secrets.toml: Streamlit raises rather than returning an empty mapping
        return {}


def settings() -> Settings:
    """The process's settings; a configuration error stops the page with a message naming what to fix."""
    try:
        return process.current_settings(streamlit_secrets())
    except ConfigError as exc:
        st.error(f"The app is not configured correctly: {user_message(exc)}", icon="⚙️")
        st.stop()


def services() -> Services:
    """The process's services, shared with app.py's gate; the first call starts loading the models."""
    return process.services_for(settings())


def model_preloader(current: Services) -> ModelPreloader:
    return process.model_preloader(current)


def migrate_once(current: Services) -> None:
    """Migrate this process's database once (raises AppError; a later call tries again)."""
    process.migrate_once(current)


def database_problem(current: Services) -> str | None:
    """None when the database is migrated and reachable; otherwise what to tell the user."""
    failed_at = st.session_state.get("_database_failed_at")
    if failed_at and time.monotonic() - failed_at < DATABASE_RETRY_S:
        return st.session_state.get("_database_problem")
    try:
        process.migrate_once(current)
    except AppError as exc:
        st.session_state["_database_failed_at"] = time.monotonic()
        problem = user_message(exc, current.settings.secret_values)
        st.session_state["_database_problem"] = problem
        return problem
    st.session_state.pop("_database_failed_at", None)
    return None
