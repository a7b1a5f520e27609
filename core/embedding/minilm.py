"""Sentence embeddings with transformers: mean pooling over `AutoModel`, then L2 normalisation.

This is what sentence-transformers does for all-MiniLM-L6-v2 (its pooling config asks for mean tokens), done
without sentence-transformers so the app needs nothing beyond the transformers it already has.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from core.domain.ports import Embedder
from core.models.loading import ModelSource, load_pretrained, locate_model
from core.models.runtime import inference_mode

SETTING = "EMBEDDING_MODEL"
EXAMPLE = "sentence-transformers/all-MiniLM-L6-v2"
MAX_TOKENS = 256  # all-MiniLM-L6-v2 was trained on 128-token texts and truncates at 256
BATCH = 64  # texts per forward pass: bounded memory whatever a caller hands in


class MeanPoolingEmbedder:
    """A transformers encoder whose token states are averaged (padding left out) and scaled to unit length."""

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


def load_embedder(*, model: str, device: str = "auto", threads: int | None = None) -> Embedder:
    """Load EMBEDDING_MODEL (hub id or a sentence-transformers folder) and warm it up; failures name the setting."""
    loaded = load_pretrained(
        locate_embedding_model(model),
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
