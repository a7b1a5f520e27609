"""A page run's side of the access policy (core.access.policy): who may see the app, and the in-page form.

Streamlit's own login when configured, else APP_PASSWORD, else open. Served by app.py, the password is
given over HTTP (ui/access/http_sign_in.py); run as `streamlit run Home.py`, this module's form asks for it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from core.access import policy
from core.access.password import PASS_LIFETIME_S, AccessPass
from core.access.policy import PASS_COOKIE
from core.config.settings import Settings
from core.domain.errors import AppError
from core.domain.records import MAX_CREATOR_CHARS, normalize_creator
from core.domain.sign_in_budget import AccessLedger
from ui.access import http_sign_in
from ui.access.browser_cookies import delete_cookie, read_cookie, write_cookie
from ui.access.sign_in_return import remember_return_address, return_after_sign_in
from ui.navigation import hand_over_to_app_navigation
from ui.record_display import escape_markdown
from ui.resources import migrate_once, services, settings, streamlit_secrets

GRANTED_KEY = "_access_granted"
CREATOR_KEY = "_created_by"  # who this session saves images as
PASS_TO_STORE_KEY = "_access_pass_to_store"  # a pass issued this run, for the browser to keep
SIGNED_OUT_KEY = "_signed_out"  # this session signed out: the browser's pass no longer counts
# Once per session: deleting again on a later form could drop a pass another tab has just been handed.
STALE_PASS_DELETED_KEY = "_stale_pass_deleted"
FORGET_PASS_KEY = "_forget_pass"  # signed out: the next form deletes the browser's pass


def login_configured() -> bool:
    return policy.login_configured(streamlit_secrets())


def named_login_providers() -> list[str]:
    """The providers of `[auth.<name>]` sections, each with its own button; none for a single `[auth]`."""
    section = st.secrets["auth"]
    return [name for name in section if isinstance(section[name], Mapping) and "client_id" in section[name]]


def access_mode(settings: Settings) -> policy.AccessMode:
    return policy.access_mode(settings, login=login_configured())


def access_ledger() -> AccessLedger:
    """The shared ledger, its tables migrated (raises AppError when the database cannot be reached)."""
    current = services()
    migrate_once(current)  # the budget and the signed-out passes live in the database, shared with every replica
    return current.access


def valid_browser_pass(settings: Settings) -> AccessPass | None:
    """The pass the browser sent when the session opened, if the policy finds it valid (unrevoked too).

    Without its database the pass cannot be checked against sign-outs: then it does not count.
    """
    token = read_cookie(PASS_COOKIE)
    if settings.app_password is None or not token:
        return None
    try:
        return policy.valid_pass(token, settings, access_ledger(), now=time.time())
    except AppError:
        return None


def has_access(settings: Settings) -> bool:
    mode = access_mode(settings)
    if mode == "login":
        return bool(st.user.is_logged_in)
    if mode == "password" and http_sign_in.enabled():
        # Checked on every run, never remembered: a sign-out in another tab must end this one too.
        held = valid_browser_pass(settings)
        if held is not None:
            st.session_state[CREATOR_KEY] = normalize_creator(held.name)
        return held is not None
    return mode == "open" or bool(st.session_state.get(GRANTED_KEY)) or _admitted_by_pass(settings)


def _admitted_by_pass(settings: Settings) -> bool:
    """Let in a session whose browser holds a pass from an earlier sign-in (another tab, a typed URL)."""
    if settings.app_password is None or st.session_state.get(SIGNED_OUT_KEY):
        return False
    held = valid_browser_pass(settings)
    if held is None:
        return False
    st.session_state[GRANTED_KEY] = True
    st.session_state[CREATOR_KEY] = normalize_creator(held.name)
    return True


def current_creator() -> str | None:
    """Who this session's images are saved as: the signed-in email, else the name given with the password."""
    if login_configured() and st.user.is_logged_in:
        return normalize_creator(str(st.user.get("email") or st.user.get("name") or "")) or None
    return st.session_state.get(CREATOR_KEY)


def require_access(settings: Settings, requested: StreamlitPage | None = None) -> None:
    """Stop the page until the visitor is allowed in; a no-op for an open app.

    `requested` is the page the URL asked for (Home.py passes it): with st.login, the browser keeps it
    across the provider's round trip, which always comes back to the app's root.
    """
    mode = access_mode(settings)
    if mode == "login":
        if not st.user.is_logged_in:
            st.title("Sign in")
            remember_return_address(requested)
            if providers := named_login_providers():
                for provider in providers:
                    label = f"Log in with {provider.replace('-', ' ').title()}"
                    st.button(label, key=f"login_{provider}", on_click=st.login, args=(provider,))
            else:
                st.button("Log in", key="login", on_click=st.login)
            st.stop()
        return_after_sign_in(requested)
        return
    if mode == "open" or has_access(settings):
        return
    if http_sign_in.enabled():
        http_sign_in.send_to_sign_in(requested.url_path if requested is not None else "")
    st.title("This app is private")
    signed_out_now = st.session_state.pop(FORGET_PASS_KEY, False)
    if signed_out_now or (read_cookie(PASS_COOKIE) and not st.session_state.get(STALE_PASS_DELETED_KEY)):
        # Signed out, or the pass the session opened with is expired or from an old password: drop it.
        st.session_state[STALE_PASS_DELETED_KEY] = True
        delete_cookie(PASS_COOKIE)
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
        # The websocket's peer: `streamlit run Home.py` has no proxy list of its own (app.py's /sign-in has).
        peer = st.context.ip_address
        client = peer if isinstance(peer, str) and peer else "unknown"  # None (or a stand-in, under AppTest)
        outcome = policy.sign_in(given, name, settings, access_ledger, client=client, now=time.time())
        if isinstance(outcome, policy.CannotCheck):
            # No budget, no check: the password is never tried unthrottled (app.py's /sign-in answers 503).
            st.error("The password cannot be checked right now: the app cannot reach its database. Try again soon.")
            st.stop()
        if isinstance(outcome, policy.Throttled):
            # Said without checking the password at all.
            st.error(outcome.message)
        elif isinstance(outcome, policy.Allowed):
            st.session_state[GRANTED_KEY] = True
            st.session_state[CREATOR_KEY] = outcome.name
            st.session_state.pop(SIGNED_OUT_KEY, None)
            st.session_state[PASS_TO_STORE_KEY] = outcome.token
            st.rerun()
        else:
            st.error("That password is not right. Ask the person who runs this demo for it.")
    st.stop()


def guarded_settings(requested: StreamlitPage | None = None) -> Settings:
    """Settings, after the visitor has been let in; the first line of Home.py and of every page.

    Each page checks for itself as well, because AppTest (and Streamlit, for the very first visit
    of a fresh server) can run a page script without Home.py.
    """
    hand_over_to_app_navigation()
    resolved = settings()
    require_access(resolved, requested)
    if token := st.session_state.pop(PASS_TO_STORE_KEY, None):
        write_cookie(PASS_COOKIE, token, max_age_s=PASS_LIFETIME_S)
    return resolved


def sign_out() -> None:
    """End this visitor's access in this browser (a button's callback): Streamlit's logout, or the password's.

    After a password sign-out the gate shows its form again, which also deletes the browser's pass.
    """
    if login_configured():
        st.logout()
        return
    for key in (GRANTED_KEY, CREATOR_KEY, PASS_TO_STORE_KEY):
        st.session_state.pop(key, None)
    st.session_state[SIGNED_OUT_KEY] = True
    st.session_state[FORGET_PASS_KEY] = True  # the pass may have been written by this very session


def signed_in_bar(settings: Settings) -> None:
    """Who this session is, and a way out; nothing for an open app."""
    mode = access_mode(settings)
    if mode == "open":
        return
    who = escape_markdown(current_creator() or "")
    if mode == "login":
        text = f"Signed in as {who or 'you'}."
    else:
        text = f"Signed in as {who}, with the shared password." if who else "Signed in with the shared password."
        text += f" This browser stays signed in for {PASS_LIFETIME_S // 3600} hours, in every tab."
    words, button = st.columns([5, 1], vertical_alignment="center")
    words.caption(text)
    if mode == "password" and http_sign_in.enabled():
        with button:
            st.html(http_sign_in.sign_out_form())
    else:
        button.button("Sign out", key="sign_out", on_click=sign_out)
