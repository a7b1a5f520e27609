"""A value built on first use, once, shared by every session of the process."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Lazy(Generic[T]):
    """Builds a value on first call, once, even when several sessions ask at the same moment."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._value: T | None = None
        self._lock = threading.Lock()

    def __call__(self) -> T:
        if self._value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._build()
        return self._value

    @property
    def loaded(self) -> bool:
        """Whether the value is built: the pipeline times a wait for an unbuilt model as its loading stage,
        and the preloader reports a model some click loaded first as ready."""
        return self._value is not None
