"""Both embedders: the real MiniLM weights locally, and the hosted model through the fake Replicate."""

from __future__ import annotations

import numpy as np
import pytest

from core.config.settings import Secret
from core.domain.errors import RemoteModelError
from core.domain.ports import Embedder
from core.embedding.mpnet_replicate import DEFAULT_MODEL, EMBEDDING_TASK, ReplicateEmbedder
from core.replicate.client import ReplicateModel
from tests.fixtures.embedding import minilm_folder
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


def test_minilm_mean_pooling_gives_what_sentence_transformers_gives(minilm_embedder: Embedder) -> None:
    sentence_transformers = pytest.importorskip("sentence_transformers")
    texts = ["a watercolor fox in the snow", "Ein Hund am Strand", "x" * 3000]  # the last one is truncated
    reference = sentence_transformers.SentenceTransformer(str(minilm_folder()), device="cpu")
    expected = reference.encode(texts, normalize_embeddings=True)
    assert np.abs(np.array(minilm_embedder.embed(texts)) - expected).max() < 1e-4


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
