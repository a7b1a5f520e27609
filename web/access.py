"""What the gate and the sign-in routes both need: the access mode, the pass a request holds, its cookie."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie

from core.access.password import PASS_LIFETIME_S, AccessPass, read_pass
from core.config.settings import Settings
from ui.access.browser_cookies import ACCESS_PASS_COOKIE
from ui.access.gate import login_configured
from ui.resources import load_current_settings, services_for

LOGIN_COOKIE = "_streamlit_user"  # Streamlit's st.login identity cookie, signed with its cookie secret


@dataclass(frozen=True)
class AccessMode:
    name: str  # "login" (st.login), "password" (APP_PASSWORD) or "open"
    settings: Settings


def current_mode() -> AccessMode:
    """Read per request, like the pages do, so a changed APP_PASSWORD holds at once (raises ConfigError)."""
    settings = load_current_settings()
    if login_configured():
        return AccessMode("login", settings)
    return AccessMode("password" if settings.app_password is not None else "open", settings)


def parse_cookies(header: str) -> dict[str, str]:
    """The cookies of a Cookie header; none for a malformed one."""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


def valid_pass(settings: Settings, token: str | None) -> AccessPass | None:
    """The pass if signed with the current password, unexpired and not signed out on any replica."""
    if settings.app_password is None:
        return None
    held = read_pass(token, settings.app_password, now=time.time())
    if held is None or services_for(settings).access.is_revoked(held.pass_id):
        return None
    return held


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
    parts = [f"{ACCESS_PASS_COOKIE}={token}", "Path=/", f"Max-Age={PASS_LIFETIME_S}", "HttpOnly", "SameSite=Lax"]
    return "; ".join([*parts, "Secure"] if secure else parts)


def cleared_cookie_header(*, secure: bool) -> str:
    parts = [f"{ACCESS_PASS_COOKIE}=", "Path=/", "Max-Age=0", "HttpOnly", "SameSite=Lax"]
    return "; ".join([*parts, "Secure"] if secure else parts)
