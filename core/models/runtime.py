"""Where inference runs: CPU threads, the device, inference mode, quiet progress bars (torch imported lazily)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

from core.config.settings import MODEL_DEVICES
from core.domain.errors import ConfigError


def default_thread_count() -> int:
    """CPU cores this process may run on (respects container and taskset limits)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def passive_openmp_waits() -> None:
    """Make OpenMP's threads (CTranslate2's and torch's libgomp) sleep at a barrier instead of spinning first.

    Call it before the first model library loads: libgomp reads OMP_WAIT_POLICY once, when it is loaded. A server
    has other threads, and on a busy machine a barrier's partner is often not running; a spinning thread then burns
    its time slice for nothing. Measured under load on 2 cores: /listen's decodes cost twice the CPU of the same
    decodes in a plain process (half of it spinning in libgomp's barrier), and torch embeddings three times the CPU
    of passive waits. An OMP_WAIT_POLICY already set (ACTIVE, say) is kept.
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def configure_torch_threads(threads: int | None) -> int:
    """Set torch's intra-op threads (process-wide) to `threads`, or to the number of cores; return the count."""
    import torch

    count = threads if threads and threads > 0 else default_thread_count()
    if torch.get_num_threads() != count:
        torch.set_num_threads(count)
    return count


def resolve_device(device: str, *, has_cuda: bool) -> str:
    """Turn MODEL_DEVICE (auto, cpu, cuda) into the device to load on; refuse cuda without a GPU."""
    wanted = device.lower()
    if wanted not in MODEL_DEVICES:
        raise ConfigError(f"MODEL_DEVICE={device!r} is not supported: use one of {', '.join(MODEL_DEVICES)}.")
    if wanted == "cuda" and not has_cuda:
        raise ConfigError("MODEL_DEVICE=cuda but no CUDA GPU is visible here. Set MODEL_DEVICE=auto or cpu.")
    if wanted == "auto":
        return "cuda" if has_cuda else "cpu"
    return wanted


def torch_has_cuda() -> bool:
    """Whether torch can use a CUDA GPU."""
    import torch

    return bool(torch.cuda.is_available())


def hide_progress_bars() -> None:
    """No "Loading weights" or download bars: they flood a terminal or a server log, and say nothing to users.

    Process-wide, and set before each load, because transformers and the hub client each keep their own switch.
    transformers' switch is set only once something has imported it: importing it (0.56 s, and torch) only to
    switch it off made every faster-whisper process pay for a library it never uses.
    """
    import huggingface_hub.utils

    huggingface_hub.utils.disable_progress_bars()
    transformers = sys.modules.get("transformers")
    if transformers is not None:
        transformers.utils.logging.disable_progress_bar()


@contextlib.contextmanager
def inference_mode() -> Iterator[None]:
    """torch.inference_mode: no autograd bookkeeping, so calls are faster and use less memory."""
    import torch

    with torch.inference_mode():
        yield
