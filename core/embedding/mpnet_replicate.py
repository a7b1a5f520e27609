"""Sentence embeddings on Replicate (replicate/all-mpnet-base-v2 by default): the torch-free server's Embedder.

The published schema: `text` (one string) or `text_batch` (a JSON list of strings) in, a list of
{"embedding": [768 floats]} out, one per text, in order. Vectors are scaled to unit length here whatever the
model returns, so a dot product is a cosine on every path.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from core.domain.errors import RemoteModelError
from core.replicate.client import ReplicateModel
from core.replicate.task import ModelTask

DEFAULT_MODEL = "replicate/all-mpnet-base-v2"
DIMENSION = 768  # all-mpnet-base-v2's
BATCH = 64  # texts per prediction: one paid call per batch, and a request body of a sensible size
EMBEDDING_TASK = ModelTask(
    setting="EMBEDDING_MODEL",
    product="the text embeddings",
    action="embed texts for search by meaning",
    error=RemoteModelError,
)


class ReplicateEmbedder:
    """Embeds texts in batches of up to BATCH per prediction, on a model run by its latest version."""

    runtime = "replicate"

    def __init__(self, model: ReplicateModel, *, dimension: int = DIMENSION) -> None:
        self._model = model
        self.model_id = model.model_id
        self.dimension = dimension

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        vectors: list[list[float]] = []
        for start in range(0, len(texts), BATCH):
            batch = list(texts[start : start + BATCH])
            vectors.extend(self._read(self._model.run({"text_batch": json.dumps(batch)}), expected=len(batch)))
        return vectors

    def check(self) -> str:
        return self._model.check()

    def _read(self, output: Any, *, expected: int) -> list[list[float]]:
        rows = output if isinstance(output, list) else []
        vectors = [row.get("embedding") if isinstance(row, dict) else None for row in rows]
        if len(vectors) != expected or not all(_is_vector(v, self.dimension) for v in vectors):
            raise RemoteModelError(
                f"{self.model_id} did not answer with {expected} embeddings of {self.dimension} numbers: set "
                f"EMBEDDING_MODEL to a text-embedding model such as {DEFAULT_MODEL}."
            )
        return [_unit([float(x) for x in vector]) for vector in vectors if vector is not None]


def _is_vector(value: Any, dimension: int) -> bool:
    return isinstance(value, list) and len(value) == dimension and all(isinstance(x, int | float) for x in value)


def _unit(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]
