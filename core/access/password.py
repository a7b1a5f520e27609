"""The optional shared-password gate: constant-time checks, a growing delay after failures, signed passes."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from core.config.settings import Secret


def password_matches(given: str, expected: Secret) -> bool:
    """Compare digests so the time taken says nothing about the password's length or prefix."""
    given_digest = hashlib.sha256(given.encode()).digest()
    expected_digest = hashlib.sha256(expected.reveal().encode()).digest()
    return hmac.compare_digest(given_digest, expected_digest)


class FailureThrottle:
    """Process-wide: at most `max_attempts` password checks per `window_s`, for all sessions together.

    Opening more sessions gains a guesser nothing. Spending the budget locks every session out for
    `lockout_s`, doubled each time it happens again before the last lock-out is long over, up to
    `max_lockout_s`: the longest the real user ever waits, and the page says how long.
    """

    def __init__(
        self,
        *,
        max_attempts: int = 10,
        window_s: float = 60.0,
        lockout_s: float = 30.0,
        max_lockout_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_attempts = max_attempts
        self.window_s = window_s
        self.lockout_s = lockout_s
        self.max_lockout_s = max_lockout_s
        self._clock = clock
        self._attempts: deque[float] = deque()
        self._locked_until = float("-inf")
        self._level = 0
        self._lock = threading.Lock()

    def try_attempt(self) -> float:
        """0.0 if a password may be checked now (counting it); otherwise the seconds until one may."""
        with self._lock:
            now = self._clock()
            if now < self._locked_until:
                return self._locked_until - now
            while self._attempts and now - self._attempts[0] >= self.window_s:
                self._attempts.popleft()
            if len(self._attempts) < self.max_attempts:
                self._attempts.append(now)
                return 0.0
            if now - self._locked_until > self.max_lockout_s:
                self._level = 0  # calm since the last lock-out: start small again
            duration = min(self.lockout_s * 2.0**self._level, self.max_lockout_s)
            self._level += 1
            self._locked_until = now + duration
            self._attempts.clear()
            return duration

    def succeeded(self) -> None:
        """The last checked password was right: it does not count against the budget."""
        with self._lock:
            if self._attempts:
                self._attempts.pop()


# --- A signed pass, so one sign-in covers every tab and typed URL of the same browser -------------

PASS_LIFETIME_S = 12 * 3600
_PASS_SALT = b"speak-image access pass v1"
_PASS_KDF_ROUNDS = 200_000


@dataclass(frozen=True)
class AccessPass:
    """What a valid pass says: who signed in (the optional display name) and until when it holds."""

    name: str | None
    expires_at: int


@functools.lru_cache(maxsize=4)
def _pass_key(password: str) -> bytes:
    # Slow on purpose: a pass held by a visitor must not become a fast offline oracle for the
    # password. Derived from the password alone, so every replica agrees and changing the password
    # voids every pass handed out with the old one.
    return hashlib.pbkdf2_hmac("sha256", password.encode(), _PASS_SALT, _PASS_KDF_ROUNDS)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue_pass(password: Secret, name: str | None, *, now: float, lifetime_s: float = PASS_LIFETIME_S) -> str:
    """A cookie-safe token (base64url and one dot) proving the password was given, valid `lifetime_s`."""
    payload = _b64(json.dumps({"n": name, "e": int(now + lifetime_s)}).encode())
    signature = hmac.new(_pass_key(password.reveal()), payload.encode(), hashlib.sha256).digest()
    return f"{payload}.{_b64(signature)}"


def read_pass(token: str | None, password: Secret, *, now: float) -> AccessPass | None:
    """The pass's contents if `token` was issued with this password and has not expired, else None."""
    payload, dot, signature = (token or "").partition(".")
    if not dot or len(token or "") > 2048:
        return None
    expected = hmac.new(_pass_key(password.reveal()), payload.encode(), hashlib.sha256).digest()
    try:
        if not hmac.compare_digest(_unb64(signature), expected):
            return None
        fields = json.loads(_unb64(payload))
        name, expires_at = fields["n"], int(fields["e"])
    except (ValueError, TypeError, KeyError):
        return None
    if expires_at <= now or not (name is None or isinstance(name, str)):
        return None
    return AccessPass(name=name, expires_at=expires_at)
