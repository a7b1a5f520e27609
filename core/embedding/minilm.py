"""EMBEDDING_MODEL loaded locally: on the numpy path when it is a BERT model (all-MiniLM-L6-v2 is), else with
transformers (mean pooling over `AutoModel`, then L2 normalisation).

Both do what sentence-transformers does for all-MiniLM-L6-v2 (its pooling config asks for mean tokens). The numpy
path (core/embedding/bert_numpy.py) imports no torch, so a `history --meaning` process starts in a second or two;
transformers takes any other architecture, and the GPU when MODEL_DEVICE=cuda.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from core.domain.errors import ConfigError, ModelLoadError
from core.domain.ports import Embedder
from core.embedding import bert_numpy
from core.models.loading import ModelSource, load_failure, load_pretrained, locate_model
from core.models.runtime import default_thread_count, inference_mode

SETTING = "EMBEDDING_MODEL"
EXAMPLE = "sentence-transformers/all-MiniLM-L6-v2"
MAX_TOKENS = 256  # all-MiniLM-L6-v2 was trained on 128-token texts and truncates at 256
BATCH = 64  # texts per forward pass: bounded memory whatever a caller hands in


TRANSFORMERS = "transformers"


@dataclass(frozen=True)
class Runtime:
    """Which path runs the model, and why: `check` says it, the loader follows it."""

    name: str  # bert_numpy.RUNTIME, TRANSFORMERS, or "undecided" for a model not downloaded yet
    reason: str
    folder: Path | None = None  # the numpy path's files

    def describe(self) -> str:
        return f"{self.name} path ({self.reason})"


class MeanPoolingEmbedder:
    """A transformers encoder whose token states are averaged (padding left out) and scaled to unit length."""

    runtime = TRANSFORMERS

    def __init__(self, *, model_id: str, model: Any, tokenizer: Any, device: str) -> None:
        self.model_id = model_id
        self._model = model
        self._tokenizer = tokenizer
        self._device = device
        self.dimension = int(model.config.hidden_size)
        self._lock = threading.Lock()  # a fast tokenizer is not thread-safe, and one forward pass at a time

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), BATCH):
            vectors.extend(self._embed_batch(list(texts[start : start + BATCH])))
        return vectors

    def _embed_batch(self, texts: list[str]) -> list[list[float]]:
        import torch

        with self._lock, inference_mode():
            batch = self._tokenizer(texts, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt")
            batch = {name: tensor.to(self._device) for name, tensor in batch.items()}
            states = self._model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(states.dtype)
            pooled = (states * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            unit = torch.nn.functional.normalize(pooled.float(), p=2, dim=1)
        return [[float(x) for x in row] for row in unit.cpu().tolist()]


def locate_embedding_model(model: str) -> ModelSource:
    """Where EMBEDDING_MODEL loads from, without loading it."""
    return locate_model(model, setting=SETTING, example=EXAMPLE)


def choose_runtime(source: ModelSource, *, device: str) -> Runtime:
    """The numpy path for a BERT model on the CPU; transformers for the GPU or any other model.

    MODEL_DEVICE=auto takes the numpy path: asking whether there is a GPU would import torch, the very cost
    this path avoids. A model not downloaded yet is decided once it is.
    """
    if device.lower() == "cuda":
        return Runtime(TRANSFORMERS, "MODEL_DEVICE=cuda")
    folder = _local_folder(source)
    if folder is None:
        return Runtime("undecided", "a BERT model runs on numpy, any other on transformers, once downloaded")
    why_not = bert_numpy.unreadable(folder)
    if why_not is not None:
        return Runtime(TRANSFORMERS, f"the numpy path cannot read it: {why_not}")
    return Runtime(bert_numpy.RUNTIME, "a BERT model, run without torch", folder)


def load_embedder(*, model: str, device: str = "auto", threads: int | None = None) -> Embedder:
    """Load EMBEDDING_MODEL (hub id or a sentence-transformers folder) and warm it up; failures name the setting."""
    source = locate_embedding_model(model)
    if source.downloads:  # fetched first (with progress Home shows), then chosen from the files
        source = _fetched(source, model)
    runtime = choose_runtime(source, device=device)
    if runtime.folder is not None:
        try:
            return bert_numpy.load_numpy_embedder(
                runtime.folder, model_id=model, threads=threads if threads and threads > 0 else default_thread_count()
            )
        except Exception as exc:  # safetensors and tokenizers raise their own kinds: say which setting failed
            raise load_failure(SETTING, model, exc, example=EXAMPLE) from exc
    return load_with_transformers(source, model=model, device=device, threads=threads)


def load_with_transformers(source: ModelSource, *, model: str, device: str, threads: int | None) -> Embedder:
    """The transformers path (torch) whatever the model: the fallback, and what the bench compares against."""
    loaded = load_pretrained(
        source,
        processor_class="AutoTokenizer",
        network_class="AutoModel",
        device=device,
        threads=threads,
        setting=SETTING,
        model=model,
        example=EXAMPLE,
        precision="float32",
    )
    embedder = MeanPoolingEmbedder(
        model_id=model, model=loaded.network, tokenizer=loaded.processor, device=loaded.device
    )
    embedder.embed(["warm up"])  # the first user does not pay for lazy set-up
    return embedder


def _local_folder(source: ModelSource) -> Path | None:
    """The model's files on this machine: its folder, or its snapshot in the hub cache (None: not downloaded)."""
    if source.is_folder:
        return Path(source.location)
    if source.downloads:
        return None
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(source.repo or source.location, "config.json")
    return Path(found).parent if isinstance(found, str) else None


def _fetched(source: ModelSource, model: str) -> ModelSource:
    from core.models.download import TRANSFORMERS_FILES, fetch

    try:
        fetch(source.repo or source.location, TRANSFORMERS_FILES)
    except (ConfigError, ModelLoadError):
        raise
    except Exception as exc:  # the hub client raises many kinds
        raise load_failure(SETTING, model, exc, example=EXAMPLE) from exc
    return replace(source, local_files_only=True)
