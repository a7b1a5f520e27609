"""Who may see the app: Streamlit's own login when configured, else APP_PASSWORD, else open."""

from __future__ import annotations

import math

import streamlit as st

from core.access import FailureThrottle, password_matches
from core.config import Settings
from core.records import MAX_CREATOR_CHARS, normalize_creator
from ui.navigation import hand_over_to_app_navigation
from ui.resources import settings

GRANTED_KEY = "_access_granted"
CREATOR_KEY = "_created_by"  # who this session saves images as


def login_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def access_mode(settings: Settings) -> str:
    if login_configured():
        return "login"
    return "password" if settings.app_password is not None else "open"


@st.cache_resource(show_spinner=False)
def _throttle() -> FailureThrottle:
    return FailureThrottle()


def has_access(settings: Settings) -> bool:
    mode = access_mode(settings)
    if mode == "login":
        return bool(st.user.is_logged_in)
    return mode == "open" or bool(st.session_state.get(GRANTED_KEY))


def current_creator() -> str | None:
    """Who this session's images are saved as: the signed-in email, else the name given with the password."""
    if login_configured() and st.user.is_logged_in:
        return normalize_creator(str(st.user.get("email") or st.user.get("name") or "")) or None
    return st.session_state.get(CREATOR_KEY)


def require_access(settings: Settings) -> None:
    """Stop the page until the visitor is allowed in; a no-op for an open app."""
    mode = access_mode(settings)
    if mode == "login":
        if not st.user.is_logged_in:
            st.title("Sign in")
            st.button("Log in", key="login", on_click=st.login)
            st.stop()
        return
    if mode == "open" or st.session_state.get(GRANTED_KEY):
        return
    st.title("This app is private")
    with st.form("access", clear_on_submit=True):
        given = st.text_input("Password", type="password", key="access_password")
        name = st.text_input(
            "Your name (optional)",
            key="access_name",
            max_chars=MAX_CREATOR_CHARS,
            help="Saved with the images you make, so the team can see who made what.",
        )
        submitted = st.form_submit_button("Enter")
    if submitted and given:
        assert settings.app_password is not None
        if (wait_s := _throttle().try_attempt()) > 0:
            # Every session shares the budget, so this is said without checking the password at all.
            st.error(f"Too many wrong passwords were tried on this server. Try again in {math.ceil(wait_s)} s.")
        elif password_matches(given, settings.app_password):
            _throttle().succeeded()
            st.session_state[GRANTED_KEY] = True
            st.session_state[CREATOR_KEY] = normalize_creator(name)
            st.rerun()
        else:
            st.error("That password is not right. Ask the person who runs this demo for it.")
    st.stop()


def guarded_settings() -> Settings:
    """Settings, after the visitor has been let in; the first line of Home.py and of every page.

    Each page checks for itself as well, because AppTest (and Streamlit, for the very first visit
    of a fresh server) can run a page script without Home.py.
    """
    hand_over_to_app_navigation()
    resolved = settings()
    require_access(resolved)
    return resolved
