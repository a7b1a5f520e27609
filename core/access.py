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
    """Process-wide: each recent failure doubles the wait before the next attempt is checked."""

    def __init__(
        self,
        *,
        base_delay_s: float = 0.5,
        max_delay_s: float = 10.0,
        window_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self.window_s = window_s
        self._clock = clock
        self._failures: deque[float] = deque(maxlen=64)
        self._lock = threading.Lock()

    def delay_s(self) -> float:
        """How long to wait before checking the next attempt."""
        with self._lock:
            now = self._clock()
            while self._failures and now - self._failures[0] > self.window_s:
                self._failures.popleft()
            recent = len(self._failures)
        if recent == 0:
            return 0.0
        return min(self.base_delay_s * 2.0 ** (recent - 1), self.max_delay_s)

    def record_failure(self) -> None:
        with self._lock:
            self._failures.append(self._clock())
