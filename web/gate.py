"""One gate in front of every Streamlit door: pages, the websocket, uploads and media.

An ASGI middleware (app.py puts it before Streamlit's own), so it sees plain HTTP and the websocket
handshake alike and answers before Streamlit reads a byte of an upload. With APP_PASSWORD only the
sign-in form, the health checks and the static bundle (the same for everyone) are open; with st.login,
uploads, media and the agent API need Streamlit's signed login cookie, while the login flow itself stays open.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.domain.errors import ConfigError
from ui.access.browser_cookies import ACCESS_PASS_COOKIE
from ui.query_limits import marked_address, query_would_be_dropped
from web.access import AccessMode, current_mode, has_login_cookie, parse_cookies, valid_pass

log = logging.getLogger(__name__)

SIGN_IN, SIGN_OUT, READY = "/sign-in", "/sign-out", "/readyz"
OPEN_PATHS = frozenset({SIGN_IN, SIGN_OUT, READY, "/_stcore/health", "/_stcore/script-health-check"})
# Streamlit's own endpoints; each needs a pass. Anything else without a dot is a page of the app.
STREAMLIT_PREFIXES = ("/_stcore/", "/media/", "/component/", "/auth/", "/oauth2callback")
# With st.login, what needs Streamlit's login cookie before Streamlit sees the request: files go in and out
# here before any page code could check st.user, and the agent API (when turned on) drives the script.
LOGIN_PREFIXES = ("/_stcore/upload_file/", "/media/", "/_stcore/agent/")


def is_open(path: str) -> bool:
    if path in OPEN_PATHS or path.startswith("/static/"):
        return True
    if path.startswith(STREAMLIT_PREFIXES):
        return False
    # The static bundle's files (favicon.png, manifest.json): the same for every visitor.
    return "." in path.rsplit("/", 1)[-1]


class AccessGate:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if scope["type"] == "http" and self._query_dropped_by_streamlit(scope, path):
            # Streamlit would silently drop the whole query and show everything; the page says so instead.
            await _answer(send, 303, b"", [(b"location", marked_address(path).encode())])
            return
        if is_open(path):  # open in every mode: no settings to read for the static bundle's many files
            await self.app(scope, receive, send)
            return
        try:
            mode = await run_in_threadpool(current_mode)
        except ConfigError:
            # The pages say what to fix; the gate must not open because the configuration is broken.
            mode = None
        if mode is None or mode.name == "password":
            if mode is not None and await self._holds_pass(scope, mode):
                await self.app(scope, receive, send)
            else:
                await self._refuse(scope, send, path)
            return
        if mode.name == "login" and path.startswith(LOGIN_PREFIXES) and not has_login_cookie(self._cookies(scope)):
            await self._refuse(scope, send, path)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _query_dropped_by_streamlit(scope: Scope, path: str) -> bool:
        if scope["method"] not in ("GET", "HEAD") or is_open(path) or path.startswith(STREAMLIT_PREFIXES):
            return False
        return query_would_be_dropped(scope.get("query_string", b"").decode("latin-1"))

    @staticmethod
    def _cookies(scope: Scope) -> dict[str, str]:
        header = "; ".join(value.decode("latin-1") for name, value in scope["headers"] if name == b"cookie")
        return parse_cookies(header)

    async def _holds_pass(self, scope: Scope, mode: AccessMode) -> bool:
        token = self._cookies(scope).get(ACCESS_PASS_COOKIE)
        if not token:
            return False
        # A database lookup (revoked passes): off the event loop.
        return await run_in_threadpool(valid_pass, mode.settings, token) is not None

    async def _refuse(self, scope: Scope, send: Send, path: str) -> None:
        if scope["type"] == "websocket":
            # Closing before accepting makes the server answer the handshake 403: no session opens.
            await send({"type": "websocket.close", "code": 1008})
            return
        method = scope["method"]
        if method in ("GET", "HEAD") and not path.startswith(STREAMLIT_PREFIXES):
            query = scope.get("query_string", b"").decode("latin-1")
            wanted = path + (f"?{query}" if query else "")
            await _answer(send, 303, b"", [(b"location", f"{SIGN_IN}?next={quote(wanted, safe='')}".encode())])
            return
        # An upload is refused before its body is read: the stranger's bytes are never taken in.
        body = json.dumps({"error": "sign in first", "sign_in": SIGN_IN}).encode()
        await _answer(send, 401, body, [(b"content-type", b"application/json")])


async def _answer(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    start: Message = {
        "type": "http.response.start",
        "status": status,
        "headers": [*headers, (b"content-length", str(len(body)).encode()), (b"cache-control", b"no-store")],
    }
    await send(start)
    await send({"type": "http.response.body", "body": body})
