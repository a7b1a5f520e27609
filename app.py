"""The served app: Home.py's pages behind one access gate, the HTTP sign-in form, /readyz and start-up warm-up.

`streamlit run app.py` (or `uvicorn app:app`) serves this; `streamlit run Home.py` still serves the
pages alone for development, with the in-page password form and models loading on the first visit.
"""

from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

from ui.access import http_sign_in
from web.gate import AccessGate
from web.readiness import WarmUp
from web.sign_in import ROUTES as SIGN_IN_ROUTES

http_sign_in.enable()  # the pages trust the HttpOnly pass and link to /sign-in instead of their own form
warm_up = WarmUp()

app = st.App(
    Path(__file__).resolve().parent / "Home.py",
    routes=[*SIGN_IN_ROUTES, *warm_up.routes],
    middleware=[Middleware(AccessGate)],
    lifespan=warm_up.lifespan,
)
