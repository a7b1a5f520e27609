"""Both embedders: the real MiniLM weights locally, and the hosted model through the fake Replicate."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from core.config.settings import Secret
from core.domain.errors import RemoteModelError
from core.domain.ports import Embedder
from core.embedding.minilm import choose_runtime, load_embedder, locate_embedding_model
from core.embedding.mpnet_replicate import DEFAULT_MODEL, EMBEDDING_TASK, ReplicateEmbedder
from core.replicate.client import ReplicateModel
from tests.fixtures.embedding import required_minilm_folder
from tests.fixtures.replicate_server import FakeReplicate, Scenario


def test_minilm_vectors_are_unit_length_and_rank_a_paraphrase_above_an_unrelated_text(
    minilm_embedder: Embedder,
) -> None:
    query, paraphrase, unrelated = np.array(
        minilm_embedder.embed(
            ["the puppy by the sea", "a small dog running along a sandy beach", "a red sports car in a city at night"]
        )
    )
    assert minilm_embedder.dimension == 384
    assert np.linalg.norm(query) == pytest.approx(1.0, abs=1e-5)
    assert query @ paraphrase > query @ unrelated + 0.2


# What the two paths must agree on: plain English, German and Japanese (non-ASCII), emoji, a text of about 200
# tokens (past tokenizer.json's own 128-token cut, within the model's 256) and one of 360 cut at 256.
AGREEMENT_TEXTS = [
    "a watercolor fox in the snow",
    "Ein Hund läuft über den Strand, die Möwen schreien",
    "東京の夜景、ネオンの光",
    "a café by the sea 🐶🌊, naïve style",
    " ".join(["a lighthouse on a cliff during a storm, waves crashing on the rocks below"] * 13),
    "snow falling on a quiet village " * 60,
]


def cosines(left: list[list[float]], right: np.ndarray) -> np.ndarray:
    return (np.array(left) * right).sum(axis=1) / np.linalg.norm(right, axis=1)


def test_the_numpy_path_gives_what_sentence_transformers_gives_on_long_and_non_ascii_texts(
    minilm_embedder: Embedder, sentence_transformers_minilm
) -> None:
    tokens = [len(ids) for ids in sentence_transformers_minilm.tokenizer(AGREEMENT_TEXTS)["input_ids"]]
    assert 128 < tokens[4] <= 256 and tokens[5] > 256  # the long texts are as long as they are meant to be
    expected = sentence_transformers_minilm.encode(AGREEMENT_TEXTS, normalize_embeddings=True)
    assert getattr(minilm_embedder, "runtime", None) == "numpy"
    assert cosines(minilm_embedder.embed(AGREEMENT_TEXTS), expected).min() > 0.9999


def test_the_numpy_path_answers_in_the_callers_order_whatever_the_batching(minilm_embedder: Embedder) -> None:
    texts = [f"{'a very ' * (n % 7)}small boat number {n}" for n in range(70)]  # two batches, lengths mixed
    together = np.array(minilm_embedder.embed(texts))
    alone = np.array([minilm_embedder.embed([text])[0] for text in (texts[0], texts[33], texts[69])])
    assert np.abs(together[[0, 33, 69]] - alone).max() < 1e-5


def test_a_model_the_numpy_path_cannot_read_loads_with_transformers_and_agrees(
    tmp_path: Path, sentence_transformers_minilm
) -> None:
    folder = tmp_path / "minilm-without-tokenizer-json"  # transformers builds its tokenizer from vocab.txt
    shutil.copytree(required_minilm_folder(), folder, ignore=shutil.ignore_patterns("tokenizer.json"))
    source = locate_embedding_model(str(folder))
    runtime = choose_runtime(source, device="cpu")
    assert (runtime.name, runtime.reason) == ("transformers", "the numpy path cannot read it: no tokenizer.json")
    embedder = load_embedder(model=str(folder), device="cpu")
    assert getattr(embedder, "runtime", None) == "transformers"
    expected = sentence_transformers_minilm.encode(AGREEMENT_TEXTS, normalize_embeddings=True)
    assert cosines(embedder.embed(AGREEMENT_TEXTS), expected).min() > 0.9999


def test_another_architecture_is_named_as_the_reason_for_transformers(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "xlm-roberta"}))
    runtime = choose_runtime(locate_embedding_model(str(tmp_path)), device="cpu")
    assert runtime.name == "transformers" and "'xlm-roberta' is not bert" in runtime.reason
    assert choose_runtime(locate_embedding_model(str(required_minilm_folder())), device="cuda").name == "transformers"


def replicate_embedder(fake: FakeReplicate) -> ReplicateEmbedder:
    model = ReplicateModel(
        api_token=Secret(fake.token), model=DEFAULT_MODEL, task=EMBEDDING_TASK, by_version=True, base_url=fake.base_url
    )
    return ReplicateEmbedder(model)


def test_the_hosted_embedder_sends_batches_in_the_published_schema_and_reads_one_vector_per_text(
    fake_replicate: FakeReplicate,
) -> None:
    texts = [f"picture number {n}" for n in range(70)]  # two predictions: 64 + 6
    vectors = replicate_embedder(fake_replicate).embed(texts)
    assert len(vectors) == 70 and all(len(v) == 768 for v in vectors)
    assert vectors[3] == pytest.approx(fake_replicate.community.mpnet.vector("picture number 3"))
    assert [len(p.body["input"]["text_batch"]) > 0 for p in fake_replicate.created] == [True, True]


def test_a_hosted_answer_that_is_no_embedding_is_a_clear_error(fake_replicate: FakeReplicate) -> None:
    fake_replicate.queue(Scenario("not_image"))  # the fake answers 42
    with pytest.raises(RemoteModelError, match="EMBEDDING_MODEL"):
        replicate_embedder(fake_replicate).embed(["a cat"])
