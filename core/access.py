"""The optional shared-password gate: constant-time checks and a growing delay after failures."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections import deque
from collections.abc import Callable

from core.config import Secret


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
