"""The served app: Home.py's pages behind one access gate, the HTTP sign-in form, /readyz, share links, warm-up.

`streamlit run app.py` (or `uvicorn app:app`) serves this; `streamlit run Home.py` still serves the
pages alone for development, with the in-page password form and models loading on the first visit.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

from core.app.process import serve_pages_behind_http_gate
from core.models.runtime import passive_openmp_waits
from web.gate import AccessGate
from web.listen import ROUTES as LISTEN_ROUTES
from web.readiness import WarmUp
from web.shared_view import ROUTES as SHARED_VIEW_ROUTES
from web.sign_in import ROUTES as SIGN_IN_ROUTES

warm_up = WarmUp()


@asynccontextmanager
async def lifespan(app: object) -> AsyncIterator[None]:
    # Said here, when this server starts, not on import: the pages then trust the HttpOnly pass and
    # link to /sign-in instead of showing their own form (ui/access/http_sign_in.py).
    serve_pages_behind_http_gate()
    passive_openmp_waits()  # before the warm-up loads the first model library (importing app.py loads none)
    async with warm_up.lifespan(app):
        yield


app = st.App(
    Path(__file__).resolve().parent / "Home.py",
    routes=[*SIGN_IN_ROUTES, *warm_up.routes, *SHARED_VIEW_ROUTES, *LISTEN_ROUTES],
    middleware=[Middleware(AccessGate)],
    lifespan=lifespan,
)
