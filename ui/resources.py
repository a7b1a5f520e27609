"""Settings and services, built once per server process and shared by every session."""

from __future__ import annotations

import hashlib
import time

import streamlit as st

from core.app.preload import ModelPreloader
from core.app.services import Services, build_services
from core.config.redaction import install_log_redaction
from core.config.settings import Settings, load_settings
from core.domain.errors import AppError, ConfigError
from ui.feedback import user_message

# After a failed migration (database down), wait this long before trying again on a rerun.
DATABASE_RETRY_S = 15.0


def _streamlit_secrets() -> dict[str, object]:
    try:
        return {name: st.secrets[name] for name in st.secrets}
    except Exception:  # no secrets.toml: Streamlit raises rather than returning an empty mapping
        return {}


def load_current_settings() -> Settings:
    """Current settings from the environment, .env and Streamlit's secrets; raises ConfigError.

    For app.py's HTTP routes and middleware, which run outside any page and answer errors themselves."""
    resolved = load_settings(secrets=_streamlit_secrets())
    install_log_redaction(resolved.secret_values)
    return resolved


def settings() -> Settings:
    """Current settings; a configuration error stops the page with a message naming what to fix."""
    try:
        resolved = load_settings(secrets=_streamlit_secrets())
    except ConfigError as exc:
        st.error(f"The app is not configured correctly: {user_message(exc)}", icon="⚙️")
        st.stop()
    install_log_redaction(resolved.secret_values)
    return resolved


def _fingerprint(resolved: Settings) -> str:
    secret_part = "|".join(sorted(hashlib.sha256(s.reveal().encode()).hexdigest() for s in resolved.secret_values))
    return hashlib.sha256(f"{resolved!r}|{secret_part}".encode()).hexdigest()


@st.cache_resource(show_spinner=False)
def _services(fingerprint: str, _settings: Settings) -> Services:
    return build_services(_settings, run_migrations=False)


def services() -> Services:
    """The process's services; the first call also starts loading the models in the background."""
    return services_for(settings())


def services_for(resolved: Settings) -> Services:
    """The services `services()` gives a page, for these settings: app.py's warm-up and routes share them."""
    fingerprint = _fingerprint(resolved)
    current = _services(fingerprint, resolved)
    _preloader(fingerprint, current)
    return current


@st.cache_resource(show_spinner=False)
def _preloader(fingerprint: str, _services: Services) -> ModelPreloader:
    # Cached like the services, so it starts once per process and shares their lazy loaders.
    models = {"Speech model": _services.transcriber, "Caption model": _services.captioner}
    return ModelPreloader(models, enabled=_services.settings.preload_models).start()


def model_preloader(current: Services) -> ModelPreloader:
    return _preloader(_fingerprint(current.settings), current)


@st.cache_resource(show_spinner=False)
def _migrated(fingerprint: str, _services: Services) -> bool:
    _services.migrate()  # raising is not cached, so a later rerun tries again
    return True


def migrate_once(current: Services) -> None:
    """Migrate this process's database once (raises AppError; a later call tries again)."""
    _migrated(_fingerprint(current.settings), current)


def database_problem(current: Services) -> str | None:
    """None when the database is migrated and reachable; otherwise what to tell the user."""
    failed_at = st.session_state.get("_database_failed_at")
    if failed_at and time.monotonic() - failed_at < DATABASE_RETRY_S:
        return st.session_state.get("_database_problem")
    try:
        _migrated(_fingerprint(current.settings), current)
    except AppError as exc:
        st.session_state["_database_failed_at"] = time.monotonic()
        problem = user_message(exc, current.settings.secret_values)
        st.session_state["_database_problem"] = problem
        return problem
    st.session_state.pop("_database_failed_at", None)
    return None
