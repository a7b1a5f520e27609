"""The one access policy: which mode is on, whether a pass is valid, and what a password sign-in comes to.

Free of Streamlit and HTTP: app.py's gate (web/gate.py, web/sign_in.py) and the pages (ui/access/page_access.py)
only translate a request or a page run into these calls and the answer back. The budget and the signed-out
passes live behind the AccessLedger port (core.db.access_ledger), shared by every replica.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from core.access.password import AccessPass, issue_pass, password_matches, read_pass
from core.config.settings import Settings
from core.domain.errors import AppError
from core.domain.records import MAX_CREATOR_CHARS, normalize_creator
from core.domain.sign_in_budget import AccessLedger

AccessMode = Literal["login", "password", "open"]
PASS_COOKIE = "speak_access"  # the browser's signed pass after APP_PASSWORD was given (HttpOnly over app.py)


def login_configured(secrets: Mapping[str, object]) -> bool:
    """Streamlit's st.login is on when its secrets have an [auth] section."""
    return "auth" in secrets


def access_mode(settings: Settings, *, login: bool) -> AccessMode:
    """st.login when configured (it wins over APP_PASSWORD), else the shared password, else open to all."""
    if login:
        return "login"
    return "password" if settings.app_password is not None else "open"


def valid_pass(token: str | None, settings: Settings, ledger: AccessLedger, *, now: float) -> AccessPass | None:
    """The pass if signed with the current password, unexpired and not signed out on any replica."""
    if settings.app_password is None:
        return None
    held = read_pass(token, settings.app_password, secret=ledger.pass_secret(), now=now)
    if held is None or ledger.is_revoked(held.pass_id):
        return None
    return held


@dataclass(frozen=True)
class Allowed:
    token: str  # the pass to hand the browser
    name: str | None  # who the session saves images as


@dataclass(frozen=True)
class WrongPassword:
    pass


@dataclass(frozen=True)
class Throttled:
    wait_s: float  # until the budget allows another check
    everyone: bool = False  # many addresses spent the deployment's ceiling; else this client spent its own

    @property
    def retry_after_s(self) -> int:
        """Whole seconds to wait (at least one): the Retry-After header and the number the message gives."""
        return max(1, math.ceil(self.wait_s))

    @property
    def message(self) -> str:
        """What the person sees: why, whom it holds back, what to do and after how many seconds."""
        seconds = f"{self.retry_after_s} second{'s' if self.retry_after_s != 1 else ''}"
        if self.everyone:
            return (
                "Too many wrong passwords came from many places at once, so signing in is paused for everyone. "
                f"Wait {seconds}, then type the password again."
            )
        return (
            f"Too many wrong passwords were typed from your address. Wait {seconds}, then type the password "
            "again. Other people can still sign in; if you do not know the password, ask whoever runs this app."
        )


@dataclass(frozen=True)
class CannotCheck:
    """No budget (the database cannot be reached), so the password is not tried at all."""


SignInOutcome = Allowed | WrongPassword | Throttled | CannotCheck


def sign_in(
    given: str,
    name: str,
    settings: Settings,
    open_ledger: Callable[[], AccessLedger],
    *,
    client: str,
    now: float,
) -> SignInOutcome:
    """Spend one check of `client`'s budget (its address), then compare the password; a right one gives it back.

    `open_ledger` gives the ledger ready to use (migrated) or raises AppError when the database is unreachable.
    """
    if settings.app_password is None:
        raise ValueError("sign_in needs APP_PASSWORD")
    try:
        ledger = open_ledger()
        attempt = ledger.try_attempt(client)
        secret = ledger.pass_secret()
    except AppError:
        return CannotCheck()
    if not attempt.allowed:
        # Said without checking the password at all.
        return Throttled(attempt.wait_s, everyone=attempt.everyone)
    if not password_matches(given, settings.app_password):
        return WrongPassword()
    ledger.forgive(attempt)
    creator = normalize_creator(name[:MAX_CREATOR_CHARS])
    return Allowed(token=issue_pass(settings.app_password, creator, secret=secret, now=now), name=creator)


def sign_out(held: AccessPass, ledger: AccessLedger) -> None:
    """Revoke this pass on every replica (every tab of the browser); other browsers keep theirs."""
    ledger.revoke(held.pass_id, expires_at=held.expires_at)
