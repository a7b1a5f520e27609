"""The page's side of app.py's sign-in over HTTP: trust the HttpOnly pass, honour sign-outs, link to the form.

Served through app.py (`streamlit run app.py`), a visitor signs in at `/sign-in`, an HTML form whose
answer sets an HttpOnly cookie, and app.py's gate refuses every request and websocket without a valid
pass. A page still checks the pass on every run, against the database's revoked passes: a sign-out
in one tab then ends the pass in every open tab at their next interaction, on every replica.
`streamlit run Home.py` leaves this off and keeps the in-page form (ui/access/page_access.py): app.py says
so explicitly when its server starts (core.app.process.serve_pages_behind_http_gate, in its lifespan).
"""

from __future__ import annotations

import html
from urllib.parse import quote, urlencode

import streamlit as st

from core.app.process import pages_behind_http_gate

SIGN_IN_PATH = "/sign-in"
SIGN_OUT_PATH = "/sign-out"


def enabled() -> bool:
    """Whether app.py serves these pages behind its HTTP gate (it says so when its server starts)."""
    return pages_behind_http_gate()


def sign_in_address(url_path: str) -> str:
    """`/sign-in?next=...` back to this page with its query."""
    query = {key: st.query_params.get_all(key) for key in st.query_params}
    here = "/" + url_path + (f"?{urlencode(query, doseq=True)}" if query else "")
    return f"{SIGN_IN_PATH}?next={quote(here, safe='')}"


def send_to_sign_in(url_path: str) -> None:
    """The pass ended (signed out in another tab, expired): say so and open the sign-in form."""
    target = sign_in_address(url_path)
    st.title("This app is private")
    st.markdown(f"This browser is signed out. [Sign in]({target}) to go on.")
    st.html(f"<script>window.location.assign({_js_string(target)});</script>", unsafe_allow_javascript=True)
    st.stop()


def sign_out_form() -> str:
    """A button that posts to /sign-out: a script cannot clear an HttpOnly cookie, the route can."""
    return (
        f'<form method="post" action="{html.escape(SIGN_OUT_PATH)}" style="margin:0">'
        # Colours from the page (currentColor, inherit), so the button reads in the light and the dark theme.
        '<button type="submit" data-testid="sign-out" style="border:1px solid currentColor;border-radius:0.5rem;'
        "background:transparent;color:inherit;opacity:0.85;min-height:44px;padding:0.25rem 0.75rem;"
        'cursor:pointer">Sign out</button></form>'
    )


def _js_string(text: str) -> str:
    import json

    return json.dumps(text).replace("<", "\\u003c")
