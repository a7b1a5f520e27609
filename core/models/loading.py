"""Shared model loading: where a model comes from (a folder, the hub cache or the hub) and loading it.

Nothing here imports torch or transformers at module level: pages that never load a model never pay for them.
"""

from __future__ import annotations

import os
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from core.domain.errors import ConfigError, ModelLoadError
from core.models.runtime import configure_torch_threads, hide_progress_bars, resolve_device, torch_has_cuda

HUB_PROBE_TIMEOUT_S = 3.0
_TRUE = ("1", "true", "yes", "on")


@dataclass(frozen=True)
class ModelSource:
    """Where a model loads from: a local folder, or a hub id (offline when only the cache may be used)."""

    location: str
    is_folder: bool
    local_files_only: bool
    repo: str | None = None  # the hub repository it comes from (a size name's full id); None for a folder

    @property
    def downloads(self) -> bool:
        """Whether loading it fetches files from the hub (not a folder, not yet in the local cache)."""
        return not self.is_folder and not self.local_files_only


@dataclass(frozen=True)
class LoadedModel:
    processor: Any
    network: Any
    device: str


# transformers builds a model on the "meta" device through process-wide state, so two loads at once (the
# preloader's speech model and a click's caption model) can leave one with empty weights: "Cannot copy out
# of meta tensor". Loads take turns; on a small CPU box two at once would gain nothing anyway.
_LOAD_LOCK = threading.Lock()


def load_pretrained(
    source: ModelSource,
    *,
    processor_class: str,
    network_class: str,
    device: str,
    threads: int | None,
    setting: str,
    model: str,
    example: str,
    processor_options: dict[str, str] | None = None,
    precision: str = "auto",
) -> LoadedModel:
    """Load a transformers processor and model from `source`, in eval mode on the chosen device.

    `precision` "auto" means float16 on a GPU and float32 on a CPU; "float32" or "bfloat16" ask for that type.

    The classes are named, not passed, so that callers need not import transformers themselves.
    Any failure becomes a ModelLoadError naming `setting`.
    """
    try:
        import torch
        import transformers

        configure_torch_threads(threads)
        hide_progress_bars()
        target = resolve_device(device, has_cuda=torch_has_cuda())
        dtype = (
            getattr(torch, precision) if precision != "auto" else torch.float16 if target == "cuda" else torch.float32
        )
        options = {"local_files_only": source.local_files_only}
        if source.downloads:
            from core.models.download import TRANSFORMERS_FILES, fetch

            fetch(source.repo or source.location, TRANSFORMERS_FILES)  # with progress the pages can show
            options["local_files_only"] = True
        with _LOAD_LOCK:
            processor = getattr(transformers, processor_class).from_pretrained(
                source.location, **options, **(processor_options or {})
            )
            network = getattr(transformers, network_class).from_pretrained(source.location, dtype=dtype, **options)
            network.to(target).eval()
    except (ConfigError, ModelLoadError):
        raise
    except Exception as exc:  # transformers raises OSError, ValueError, KeyError... for unusable models
        raise load_failure(setting, model, exc, example=example) from exc
    return LoadedModel(processor=processor, network=network, device=target)


def locate_model(
    model: str, *, setting: str, example: str, required_file: str = "config.json", hub_id: str | None = None
) -> ModelSource:
    """Decide where `model` loads from, failing fast (never hanging) when it cannot be found offline.

    A folder must hold `required_file`; `hub_id` is the repository a short name stands for
    (faster-whisper's "tiny.en" is Systran's repository).
    """
    path = Path(model).expanduser()
    if path.is_dir():
        if not (path / required_file).is_file():
            raise ModelLoadError(
                f"{setting}={model} is a folder without a saved model in it ({required_file} is missing). "
                f"Set {setting} to the folder the model was saved to, or to a hub id such as {example}."
            )
        return ModelSource(str(path.resolve()), is_folder=True, local_files_only=True)
    if _looks_like_path(model):
        raise ModelLoadError(
            f"{setting}={model} is not a folder on this machine. Set {setting} to a folder holding a saved model "
            f"(config and weights) or to a hub id this machine can download, such as {example}."
        )
    if _in_hub_cache(hub_id or model):
        # A cached model loads without a network round trip, and works offline too.
        return ModelSource(model, is_folder=False, local_files_only=True, repo=hub_id or model)
    if _hub_offline():
        raise ModelLoadError(
            f"{setting}={model} is not in the local model cache, and HF_HUB_OFFLINE forbids downloading it. "
            f"Set {setting} to a local model folder, or unset HF_HUB_OFFLINE on a machine that can reach the hub."
        )
    host, port = _hub_address()
    if not _hub_reachable(host, port):
        raise ModelLoadError(
            f"{setting}={model} is not in the local model cache and the model hub ({host}) cannot be reached "
            f"from this machine. Set {setting} to a local model folder (download it where the hub is reachable "
            "and copy it here), or allow this machine to reach the hub."
        )
    return ModelSource(model, is_folder=False, local_files_only=False, repo=hub_id or model)


def load_failure(setting: str, model: str, error: BaseException, *, example: str) -> ModelLoadError:
    """A ModelLoadError naming the setting and value that failed, with the cause in one short line."""
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if len(reason) > 200:
        reason = reason[:197] + "..."
    return ModelLoadError(
        f"{setting}={model} could not be loaded ({reason}). Set {setting} to a local model folder "
        f"or to a hub id reachable from this machine, such as {example}."
    )


def _looks_like_path(model: str) -> bool:
    # A hub id is "name" or "owner/name"; anything else that is not a folder was meant as a path.
    return (
        Path(model).expanduser().is_absolute()
        or model.startswith((".", "~"))
        or "\\" in model
        or model.count("/") > 1
        or model.endswith("/")
    )


def _hub_offline() -> bool:
    return any(os.environ.get(name, "").lower() in _TRUE for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def _in_hub_cache(repo: str) -> bool:
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return False
    try:
        return isinstance(try_to_load_from_cache(repo, "config.json"), str)
    except ValueError:  # not a valid repository id
        return False


def _hub_address() -> tuple[str, int]:
    endpoint = urlsplit(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    return endpoint.hostname or "huggingface.co", endpoint.port or (80 if endpoint.scheme == "http" else 443)


def _hub_reachable(host: str, port: int) -> bool:
    if any(os.environ.get(name) for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
        return True  # a proxy decides; a direct probe would say nothing useful
    try:
        with socket.create_connection((host, port), timeout=HUB_PROBE_TIMEOUT_S):
            return True
    except OSError:
        return False
