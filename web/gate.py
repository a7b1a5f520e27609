"""One gate in front of every Streamlit door: pages, the websocket, uploads and media.

An ASGI middleware (app.py puts it before Streamlit's own), so it sees plain HTTP and the websocket
handshake alike and answers before Streamlit reads a byte of an upload. With APP_PASSWORD only the
sign-in form, the health checks and the static bundle (the same for everyone) are open; with st.login,
uploads, media and the agent API need Streamlit's signed login cookie, while the login flow itself stays open.

What is allowed is decided by core.access.policy (the pages ask it too); this module translates a request
into its questions. Settings, services and the ledger are the process's shared ones (core.app.process).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from urllib.parse import quote, urlsplit

import streamlit as st
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.access import policy
from core.access.password import PASS_LIFETIME_S, AccessPass
from core.access.policy import PASS_COOKIE
from core.app import process
from core.config.settings import Settings
from core.domain.errors import AppError, ConfigError
from core.domain.link_limits import marked_address, query_would_be_dropped

log = logging.getLogger(__name__)

SIGN_IN, SIGN_OUT, READY = "/sign-in", "/sign-out", "/readyz"
OPEN_PATHS = frozenset({SIGN_IN, SIGN_OUT, READY, "/_stcore/health", "/_stcore/script-health-check"})
SHARED_PREFIX = "/s/"  # share links (web/shared_view.py): open, each scoped to its own token and images
# Streamlit's own endpoints; each needs a pass. Anything else without a dot is a page of the app.
STREAMLIT_PREFIXES = ("/_stcore/", "/media/", "/component/", "/auth/", "/oauth2callback")
# With st.login, what needs Streamlit's login cookie before Streamlit sees the request: files go in and out
# here before any page code could check st.user, and the agent API (when turned on) drives the script.
LOGIN_PREFIXES = ("/_stcore/upload_file/", "/media/", "/_stcore/agent/")

LOGIN_COOKIE = "_streamlit_user"  # Streamlit's st.login identity cookie, signed with its cookie secret


@dataclass(frozen=True)
class AccessMode:
    name: policy.AccessMode
    settings: Settings


def _streamlit_secrets() -> dict[str, object]:
    try:
        return {name: st.secrets[name] for name in st.secrets}
    except Exception:  # no secrets.toml: Streamlit raises rather than returning an empty mapping
        return {}


def current_settings() -> Settings:
    """The process's settings (read once, again when a source changes); raises ConfigError."""
    return process.current_settings(_streamlit_secrets())


def current_mode() -> AccessMode:
    """The policy's mode for this process's settings (raises ConfigError)."""
    secrets = _streamlit_secrets()
    settings = process.current_settings(secrets)
    return AccessMode(policy.access_mode(settings, login=policy.login_configured(secrets)), settings)


def parse_cookies(header: str) -> dict[str, str]:
    """The cookies of a Cookie header; none for a malformed one."""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def valid_pass(settings: Settings, token: str | None) -> AccessPass | None:
    """The policy's answer for this token (a database lookup: call it off the event loop).

    The pass secret and the sign-outs live in the database: until it is reachable and migrated (a replica
    just started), no pass can be checked, so none counts (the visitor is sent to the form, never a 500).
    """
    if settings.app_password is None or not token:
        return None
    try:
        services = process.services_for(settings)
        process.migrate_once(services)
        return policy.valid_pass(token, settings, services.access, now=time.time())
    except AppError as exc:
        log.warning("A pass could not be checked: %s", exc)
        return None


def has_login_cookie(cookies: Mapping[str, str]) -> bool:
    """Whether Streamlit's st.login cookie is present and signed with its secret (a signed-in visitor)."""
    from streamlit.web.server.server_util import get_cookie_secret
    from streamlit.web.server.starlette.starlette_app_utils import decode_signed_value

    value = cookies.get(LOGIN_COOKIE)
    if not value:
        return False
    return decode_signed_value(get_cookie_secret(), LOGIN_COOKIE, value.encode("latin-1")) is not None


def pass_cookie_header(token: str, *, secure: bool) -> str:
    """Set-Cookie for a pass: HttpOnly, so no script (nor an injected one) can read it."""
    parts = [f"{PASS_COOKIE}={token}", "Path=/", f"Max-Age={PASS_LIFETIME_S}", "HttpOnly", "SameSite=Lax"]
    return "; ".join([*parts, "Secure"] if secure else parts)


def cleared_cookie_header(*, secure: bool) -> str:
    parts = [f"{PASS_COOKIE}=", "Path=/", "Max-Age=0", "HttpOnly", "SameSite=Lax"]
    return "; ".join([*parts, "Secure"] if secure else parts)


def safe_next(target: str | None) -> str:
    """`target` when it is a path of this app (query kept), else `/`: never another site, never a loop.

    Every address the gate and the sign-in form redirect to passes through here.
    """
    if not target or "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or target.startswith("//"):
        return "/"
    if parts.path in (SIGN_IN, SIGN_OUT):
        return "/"
    return target


def marked_page_address(path: str) -> str:
    """The too-many-parameters marker on this page (the parsed path, quoted again), or on `/` when the path is
    not one of this app's: `//evil.example/x` (or `/%2Fevil.example/x`, `/%5Cevil.example/x`) never leaves the site.
    """
    marked = marked_address(quote(path, safe="/-._~!$'()*+,;=:@"))
    if safe_next(path) != path or safe_next(marked) != marked:
        return marked_address("/")
    return marked


def is_open(path: str) -> bool:
    if path in OPEN_PATHS or path.startswith(("/static/", SHARED_PREFIX)):
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
        if is_open(path):  # open in every mode: no settings to read for the static bundle's many files
            await self.app(scope, receive, send)
            return
        try:
            mode = await run_in_threadpool(current_mode)
        except ConfigError:
            # The pages say what to fix; the gate must not open because the configuration is broken.
            mode = None
        if mode is None or mode.name == "password":
            allowed = mode is not None and await self._holds_pass(scope, mode)
        else:
            allowed = not (
                mode.name == "login" and path.startswith(LOGIN_PREFIXES) and not has_login_cookie(self._cookies(scope))
            )
        if not allowed:
            await self._refuse(scope, send, path)
        elif scope["type"] == "http" and self._query_dropped_by_streamlit(scope, path):
            # Streamlit would silently drop the whole query and show everything; the page says so instead.
            # After the pass check (a stranger only ever gets the sign-in form), and never off the site.
            await _answer(send, 303, b"", [(b"location", marked_page_address(path).encode("latin-1"))])
        else:
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
        token = self._cookies(scope).get(PASS_COOKIE)
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
