"""Small cookies the app keeps in the visitor's browser, written by a line of JavaScript.

Streamlit offers no way to set a cookie from Python; it only reads the cookies the browser sent
when the session opened (`st.context.cookies`). So a value written here is seen from the next
session on: a new tab, a typed URL, the return from a sign-in provider.
"""

from __future__ import annotations

import json
import re

import streamlit as st

RETURN_TO_COOKIE = "speak_return_to"  # the page and query to open after signing in with st.login

_COOKIE_SAFE = re.compile(r"[A-Za-z0-9._~%-]*")
# The element holding the script takes no room in the page (no flex gap either).
_HIDE_SELF = (
    "<style>div[data-testid='stElementContainer']:has(.speak-cookie-writer),"
    "div.stElementContainer:has(.speak-cookie-writer){display:none}</style>"
)


def read_cookie(name: str) -> str | None:
    try:
        value = st.context.cookies.get(name)
    except Exception:  # no browser behind this run (bare mode)
        return None
    # AppTest's stand-in client answers with mock objects rather than strings.
    return value if isinstance(value, str) and value else None


def write_cookie(name: str, value: str, *, max_age_s: int) -> None:
    """Set `name` for the whole site; `max_age_s=0` deletes it. Values must already be cookie-safe."""
    if not _COOKIE_SAFE.fullmatch(value):
        raise ValueError(f"cookie value for {name} must be percent-encoded")
    # Secure only over https: a laptop on http://localhost must keep working.
    script = (
        f"document.cookie = {json.dumps(f'{name}={value}; Path=/; Max-Age={max_age_s}; SameSite=Lax')}"
        " + (location.protocol === 'https:' ? '; Secure' : '');"
    )
    st.html(
        f"{_HIDE_SELF}<span class='speak-cookie-writer' data-cookie='{name}'></span><script>{script}</script>",
        unsafe_allow_javascript=True,
    )


def delete_cookie(name: str) -> None:
    write_cookie(name, "", max_age_s=0)
