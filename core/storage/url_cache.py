"""Reuse presigned URLs until shortly before they expire, so reruns hand browsers the same URL."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from core.domain.ports import ImageStore

DEFAULT_MAX_ENTRIES = 10_000


def default_refresh_margin(ttl_s: float) -> float:
    """Refresh when less than 10% of the lifetime or 60 s remain (whichever is longer), at most half of it."""
    return min(max(0.1 * ttl_s, 60.0), ttl_s / 2)


class PresignedUrlCache:
    """Thread-safe LRU of signed URLs per key; the same URL keeps the browser's cache warm across reruns."""

    def __init__(
        self,
        store: ImageStore,
        ttl_s: int,
        *,
        refresh_margin_s: float | None = None,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_s <= 0:
            raise ValueError(f"ttl_s must be positive, got {ttl_s}")
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, got {max_entries}")
        margin = default_refresh_margin(ttl_s) if refresh_margin_s is None else refresh_margin_s
        if not 0 <= margin < ttl_s:
            raise ValueError(f"refresh_margin_s must be in [0, ttl_s), got {margin}")
        self.store = store
        self.ttl_s = ttl_s
        self.refresh_margin_s = margin
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[str, float]] = OrderedDict()  # key -> (url, expires_at)
        self._lock = threading.Lock()

    def url(self, key: str) -> str:
        """A URL for `key` valid for at least `refresh_margin_s` more seconds."""
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[1] - now > self.refresh_margin_s:
                self._entries.move_to_end(key)
                return entry[0]
        # Sign outside the lock: a slow store must not block other sessions; a duplicate signature is harmless.
        signed = self.store.url(key, self.ttl_s)
        if signed.startswith("data:"):
            # Local files come back whole as data: URLs; caching them would hold every image in memory.
            return signed
        with self._lock:
            self._entries[key] = (signed, now + self.ttl_s)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return signed

    def forget(self, key: str) -> None:
        """Drop `key`'s URL, e.g. after deleting its object."""
        with self._lock:
            self._entries.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
