"""Fetching a model's files from the hub with progress a person can see (bytes and percent per model).

A newcomer's first start downloads about 1.3 GB; without this, Home said "loading…" until it ended or failed.
The loaders fetch here first, then load from the local cache, so transformers and faster-whisper never download
on their own. Progress lives in a process-wide table that the pages and `check --load-models` read.
"""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

# What faster-whisper itself fetches (faster_whisper.utils.download_model's allow_patterns).
CT2_FILES = ("config.json", "preprocessor_config.json", "model.bin", "tokenizer.json", "vocabulary.*")
# What transformers' from_pretrained reads for a processor and a model: configs, tokenizer files and one copy of
# the weights (hub repositories often hold the same weights three times: safetensors, PyTorch, TensorFlow).
TRANSFORMERS_FILES = ("*.json", "*.txt", "*.model", "model*.safetensors")
TRANSFORMERS_LEGACY_WEIGHTS = "pytorch_model*.bin"
METADATA_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class DownloadProgress:
    """One model's download: bytes so far of the total its files add up to."""

    repo: str
    done_bytes: int
    total_bytes: int
    finished: bool = False

    @property
    def percent(self) -> int:
        return 100 if self.total_bytes <= 0 else min(100, int(self.done_bytes * 100 / self.total_bytes))

    def describe(self) -> str:
        """E.g. "downloading Systran/faster-whisper-base: 45.2 of 145.0 MB (31%)"."""
        verb = "downloaded" if self.finished else "downloading"
        return f"{verb} {self.repo}: {_mb(self.done_bytes)} of {_mb(self.total_bytes)} MB ({self.percent}%)"


Listener = Callable[[DownloadProgress], None]
_table: dict[str, DownloadProgress] = {}
_listeners: list[Listener] = []
_lock = threading.Lock()


def downloads() -> list[DownloadProgress]:
    """Every download this process has started, finished ones included, in the order they began."""
    with _lock:
        return list(_table.values())


def listen(listener: Listener) -> Callable[[], None]:
    """Call `listener` on every progress update (from the downloading thread); returns a function to stop."""
    with _lock:
        _listeners.append(listener)
    return lambda: _listeners.remove(listener) if listener in _listeners else None


def fetch(repo: str, patterns: Iterable[str], *, revision: str | None = None) -> None:
    """Download the files of `repo` matching `patterns` into the hub cache, reporting bytes as they arrive.

    Files already cached count as done at once. Raises what the hub client raises; callers turn that into a
    ModelLoadError naming their setting.
    """
    from huggingface_hub import HfApi, hf_hub_download

    # A bound timeout: a hub (or proxy) that accepts the connection and never answers would otherwise hang the load.
    info = HfApi().model_info(repo, revision=revision, files_metadata=True, timeout=METADATA_TIMEOUT_S)
    sizes = {sibling.rfilename: sibling.size or 0 for sibling in info.siblings or []}
    wanted = [name for name in sizes if any(fnmatch.fnmatch(name, pattern) for pattern in _patterns(patterns, sizes))]
    tracker = _Tracker(repo, total=sum(sizes[name] for name in wanted))
    for name in wanted:
        # revision None means "main": the client then records refs/main, so loading with local_files_only finds it.
        hf_hub_download(repo, name, revision=revision, tqdm_class=tracker.bar_class())
        tracker.file_done(sizes[name])
    tracker.finish()


def _patterns(patterns: Iterable[str], sizes: dict[str, int]) -> list[str]:
    chosen = list(patterns)
    # An older repository without safetensors: fall back to its PyTorch weights, as transformers would.
    if "model*.safetensors" in chosen and not any(fnmatch.fnmatch(n, "model*.safetensors") for n in sizes):
        chosen.append(TRANSFORMERS_LEGACY_WEIGHTS)
    return chosen


class _Tracker:
    """Adds up the bytes of one model's files; the hub client reports them through the bar class it is given."""

    def __init__(self, repo: str, *, total: int) -> None:
        self._repo = repo
        self._total = total
        self._finished_files = 0  # bytes of files fully fetched (or found in the cache)
        self._current = 0  # bytes of the file being fetched
        self._publish()

    def bar_class(self) -> type:
        tracker = self

        class _Bar:
            """Stands in for tqdm: the hub client calls update(n) per chunk written; nothing is drawn."""

            def __init__(self, *args: Any, **kwargs: Any) -> None:
                self.n = kwargs.get("initial", 0) or 0
                self.total = kwargs.get("total")
                tracker._current = self.n
                tracker._publish()

            def update(self, n: int | float | None = 1) -> None:
                self.n += int(n or 0)
                tracker._current = self.n
                tracker._publish()

            def __enter__(self) -> _Bar:
                return self

            def __exit__(self, *exc: object) -> None:
                return None

            def _ignore(self, *args: Any, **kwargs: Any) -> None:
                return None

            # Network-transfer counts would add the same bytes twice; postfixes and redraws have nothing to draw.
            update_transfer = set_postfix_str = set_transfer_postfix_str = refresh = close = _ignore

        return _Bar

    def file_done(self, size: int) -> None:
        self._finished_files += size
        self._current = 0
        self._publish()

    def finish(self) -> None:
        self._publish(finished=True)

    def _publish(self, *, finished: bool = False) -> None:
        done = min(self._finished_files + self._current, self._total) if self._total else self._finished_files
        progress = DownloadProgress(self._repo, done, self._total, finished)
        with _lock:
            _table[self._repo] = progress
            listeners = list(_listeners)
        for listener in listeners:
            listener(progress)


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f}"
