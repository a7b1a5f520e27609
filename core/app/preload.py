"""Load the configured models in the background when the server starts, once per process.

The preloader calls the same lazy loaders a click would (core.app.services.Lazy), so a click that comes before
a model is ready waits for that one load instead of starting another.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

WAITING, LOADING, READY, FAILED, ON_FIRST_USE = "waiting", "loading", "ready", "failed", "on first use"


@dataclass(frozen=True)
class ModelState:
    label: str
    state: str  # one of WAITING, LOADING, READY, FAILED, ON_FIRST_USE
    error: Exception | None = None


class ModelPreloader:
    """Loads each model in turn on one daemon thread; `states` may be read from any thread meanwhile."""

    def __init__(self, models: dict[str, Callable[[], object]], *, enabled: bool = True) -> None:
        self._models = models
        self._enabled = enabled
        self._states = {label: ModelState(label, WAITING if enabled else ON_FIRST_USE) for label in models}
        self._thread: threading.Thread | None = None

    def start(self) -> ModelPreloader:
        if self._enabled and self._thread is None:
            self._thread = threading.Thread(target=self._load_all, name="model-preloader", daemon=True)
            self._thread.start()
        return self

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every model has been tried (or `timeout` passed); True if the preloader is done."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def states(self) -> list[ModelState]:
        """Each model's state; a model some click already loaded counts as ready."""
        return [
            ModelState(label, READY) if getattr(self._models[label], "loaded", False) else self._states[label]
            for label in self._models
        ]

    @property
    def all_settled(self) -> bool:
        return all(state.state in (READY, FAILED, ON_FIRST_USE) for state in self.states())

    def _load_all(self) -> None:
        for label, load in self._models.items():
            self._states[label] = ModelState(label, LOADING)
            try:
                load()
            except Exception as exc:  # shown on the pages; a click will try again and say what to fix
                log.warning("Preloading the %s failed: %s", label.lower(), exc)
                self._states[label] = ModelState(label, FAILED, exc)
            else:
                self._states[label] = ModelState(label, READY)
        freeze_loaded_objects()


def freeze_loaded_objects() -> None:
    """Move every object alive now (the loaded models' modules, tensors' wrappers, tokenizers) out of the collector.

    They live as long as the process, so scanning them again in each full collection is pure cost: with the
    models loaded, one full collection of a BLIP-base + Whisper heap took long enough, holding the GIL, to slow
    captions several-fold. Garbage is collected first so that freezing never keeps it alive.
    """
    gc.collect()
    gc.freeze()
