"""A BERT sentence encoder (all-MiniLM-L6-v2 and its kind) in numpy: mean pooling, then L2 normalisation.

A `history --meaning` process embeds one sentence; importing torch and transformers to do it took 6-30 s,
the forward pass itself milliseconds. This path needs numpy, safetensors and tokenizers only, and gives what
sentence-transformers gives (cosine > 0.9999, tests/integration/test_embedders.py). A model it cannot read
(another architecture, no safetensors or tokenizer.json) is said by `unreadable` and goes to transformers.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

RUNTIME = "numpy"
WEIGHTS = "model.safetensors"
TOKENIZER = "tokenizer.json"
DEFAULT_MAX_TOKENS = 256  # all-MiniLM-L6-v2's max_seq_length, used when a folder does not say its own
BATCH = 64  # texts per forward pass: bounded memory whatever a caller hands in
# Up to this many tokens in a batch (a query or two) BLAS runs on one thread: on such small matrices more threads
# only add waiting, and on a busy 2-core machine one query took 1.2 s on two threads against 40 ms on one.
ONE_THREAD_TOKENS = 512

Array = npt.NDArray[np.float32]


def unreadable(folder: Path) -> str | None:
    """Why this path cannot run the model in `folder`, or None when it can."""
    try:
        config = json.loads((folder / "config.json").read_text())
    except (OSError, ValueError):
        return "no readable config.json"
    if config.get("model_type") != "bert":
        return f"model_type {config.get('model_type')!r} is not bert"
    if config.get("hidden_act", "gelu") != "gelu" or config.get("position_embedding_type", "absolute") != "absolute":
        return "a BERT variant (activation or position embeddings) this path does not implement"
    missing = [name for name in (WEIGHTS, TOKENIZER) if not (folder / name).is_file()]
    return f"no {' or '.join(missing)}" if missing else None


@dataclass(frozen=True)
class _Layer:
    qkv: Array  # query, key and value projections side by side: one matrix product instead of three
    qkv_bias: Array
    out: Array
    out_bias: Array
    out_norm: tuple[Array, Array]
    up: Array
    up_bias: Array
    down: Array
    down_bias: Array
    down_norm: tuple[Array, Array]


class NumpyBertEmbedder:
    """Embeds texts with BERT weights read from safetensors; weights are kept transposed for `x @ W`."""

    runtime = RUNTIME

    def __init__(self, *, model_id: str, folder: Path, threads: int) -> None:
        from safetensors.numpy import load_file
        from threadpoolctl import ThreadpoolController
        from tokenizers import Tokenizer

        config = json.loads((folder / "config.json").read_text())
        self.model_id = model_id
        self.dimension = int(config["hidden_size"])
        self._heads = int(config["num_attention_heads"])
        self._eps = float(config.get("layer_norm_eps", 1e-12))
        self.max_tokens = min(_max_seq_length(folder), int(config.get("max_position_embeddings", 512)))
        stored = load_file(folder / WEIGHTS)
        weights = {_strip(name): np.asarray(value, dtype=np.float32) for name, value in stored.items()}
        self._words = weights["embeddings.word_embeddings.weight"]
        self._positions = weights["embeddings.position_embeddings.weight"]
        self._token_types = weights["embeddings.token_type_embeddings.weight"]
        self._embedding_norm = _norm(weights, "embeddings.LayerNorm")
        self._layers = [_layer(weights, f"encoder.layer.{n}") for n in range(int(config["num_hidden_layers"]))]
        self._tokenizer = Tokenizer.from_file(str(folder / TOKENIZER))
        # tokenizer.json may carry its own (shorter, fixed) truncation and padding: the model's limit applies.
        self._tokenizer.enable_truncation(max_length=self.max_tokens)
        self._tokenizer.enable_padding(pad_id=int(config.get("pad_token_id", 0)))
        self._lock = threading.Lock()  # a tokenizer with padding set is shared state
        self._threads = threads
        self._blas = ThreadpoolController()

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        # Texts of like length share a batch (less padding to compute); the answer keeps the callers' order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors: list[list[float]] = [[] for _ in texts]
        for start in range(0, len(order), BATCH):
            chosen = order[start : start + BATCH]
            for index, vector in zip(chosen, self._embed_batch([texts[i] for i in chosen]), strict=True):
                vectors[index] = [float(x) for x in vector]
        return vectors

    def _embed_batch(self, texts: list[str]) -> Array:
        with self._lock:
            encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        types = np.array([e.type_ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)
        threads = 1 if ids.size <= ONE_THREAD_TOKENS else self._threads
        with self._blas.limit(limits=threads, user_api="blas"):
            states = self._encode(ids, types, mask)
        pooled = (states * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        unit: Array = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return unit

    def _encode(self, ids: npt.NDArray[np.int64], types: npt.NDArray[np.int64], mask: Array) -> Array:
        batch, length = ids.shape
        x = self._words[ids] + self._positions[:length] + self._token_types[types]
        x = _layer_norm(x, self._embedding_norm, self._eps)
        # Padding gets a large negative score, so softmax gives it no weight (as transformers does).
        padding = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]
        head_size = self.dimension // self._heads
        scale = np.float32(1.0 / np.sqrt(head_size))
        x = x.reshape(batch * length, self.dimension)  # one matrix product per projection, not one per text
        for layer in self._layers:
            qkv = (x @ layer.qkv + layer.qkv_bias).reshape(batch, length, 3, self._heads, head_size)
            # Contiguous copies, each (batch, heads, length, head size): numpy hands strided operands of a
            # stacked matrix product to a slow loop of its own instead of BLAS.
            query, key, value = np.ascontiguousarray(qkv.transpose(2, 0, 3, 1, 4))
            scores = (query @ np.ascontiguousarray(key.transpose(0, 1, 3, 2))) * scale + padding
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ value).transpose(0, 2, 1, 3).reshape(batch * length, self.dimension)
            x = _layer_norm(x + context @ layer.out + layer.out_bias, layer.out_norm, self._eps)
            hidden = _gelu(x @ layer.up + layer.up_bias)
            x = _layer_norm(x + hidden @ layer.down + layer.down_bias, layer.down_norm, self._eps)
        return x.reshape(batch, length, self.dimension)


def _max_seq_length(folder: Path) -> int:
    """sentence-transformers' limit (sentence_bert_config.json) when the folder is one of its models."""
    try:
        return int(json.loads((folder / "sentence_bert_config.json").read_text())["max_seq_length"])
    except (OSError, ValueError, KeyError, TypeError):
        return DEFAULT_MAX_TOKENS


def _strip(name: str) -> str:
    return name.removeprefix("bert.")  # a checkpoint saved from a BertFor... model prefixes its encoder


def _norm(weights: dict[str, Array], prefix: str) -> tuple[Array, Array]:
    return weights[f"{prefix}.weight"], weights[f"{prefix}.bias"]


def _linear(weights: dict[str, Array], prefix: str) -> tuple[Array, Array]:
    # Stored as torch's Linear keeps them, (out, in); transposed once here, contiguous for the matrix products.
    return np.ascontiguousarray(weights[f"{prefix}.weight"].T), weights[f"{prefix}.bias"]


def _layer(weights: dict[str, Array], prefix: str) -> _Layer:
    parts = [_linear(weights, f"{prefix}.attention.self.{name}") for name in ("query", "key", "value")]
    out, out_bias = _linear(weights, f"{prefix}.attention.output.dense")
    up, up_bias = _linear(weights, f"{prefix}.intermediate.dense")
    down, down_bias = _linear(weights, f"{prefix}.output.dense")
    return _Layer(
        qkv=np.ascontiguousarray(np.concatenate([w for w, _ in parts], axis=1)),
        qkv_bias=np.concatenate([b for _, b in parts]),
        out=out,
        out_bias=out_bias,
        out_norm=_norm(weights, f"{prefix}.attention.output.LayerNorm"),
        up=up,
        up_bias=up_bias,
        down=down,
        down_bias=down_bias,
        down_norm=_norm(weights, f"{prefix}.output.LayerNorm"),
    )


def _layer_norm(x: Array, norm: tuple[Array, Array], eps: float) -> Array:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    weight, bias = norm
    result: Array = centred / np.sqrt(variance + np.float32(eps)) * weight + bias
    return result


# Abramowitz and Stegun 7.1.26: erf within 1.5e-7, so BERT's exact (erf) GELU without scipy.
_ERF_P = np.float32(0.3275911)
_ERF_A = [np.float32(a) for a in (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)]


def _gelu(x: Array) -> Array:
    z = np.abs(x) * np.float32(1 / np.sqrt(2))
    t = 1 / (1 + _ERF_P * z)
    poly = np.full_like(t, _ERF_A[0])
    for a in _ERF_A[1:]:
        poly = poly * t + a
    erf_abs = 1 - poly * t * np.exp(-z * z)
    result: Array = np.float32(0.5) * x * (1 + np.sign(x) * erf_abs)
    return result


def load_numpy_embedder(folder: Path, *, model_id: str, threads: int) -> NumpyBertEmbedder:
    """The numpy embedder of the model in `folder` (check `unreadable` first), warmed up."""
    embedder = NumpyBertEmbedder(model_id=model_id, folder=folder, threads=threads)
    embedder.embed(["warm up"])
    return embedder
