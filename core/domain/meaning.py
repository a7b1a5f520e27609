"""Search by meaning, as plain rules: what text a record is embedded from, which queries are taken, and how
a meaning ranking and a word ranking are fused (reciprocal-rank fusion)."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from core.domain.errors import InputError
from core.domain.records import HistoryQuery

MAX_MEANING_CHARS = 500  # a description of a picture, not a document; more would be truncated by the model anyway
RRF_K = 60  # the usual constant: a rank's weight falls slowly, so agreement between rankings counts most
CANDIDATES = 200  # how deep each ranking is read before fusing
MAX_QUERY_WORDS = 8  # word searches per query (each is one indexed query)
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)
# Words too common to say anything about a picture: matching them would only add noise to the word ranking.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "over",
        "the",
        "their",
        "this",
        "to",
        "under",
        "was",
        "with",
    ]
)


@dataclass(frozen=True)
class Scored:
    """One record of a ranked answer: its id, the fused score that ordered it, and its cosine similarity."""

    record_id: int
    score: float
    similarity: float | None  # None when only the words found it


def embedding_text(prompt: str | None, description: str | None, transcript: str | None) -> str:
    """What a record is embedded from: the prompt, then the caption, then the transcript when it says more."""
    parts: list[str] = []
    for part in (prompt, description, transcript):
        text = " ".join((part or "").split())
        if text and text not in parts:
            parts.append(text)
    return ". ".join(parts)


def meaning_query(text: str | None) -> str:
    """The query as it will be embedded; an empty or over-long one is refused with what to do."""
    query = " ".join((text or "").split())
    if not query:
        raise InputError("The search by meaning is empty: describe the picture you remember, say 'a dog on a beach'.")
    if len(query) > MAX_MEANING_CHARS:
        raise InputError(
            f"The search by meaning is {len(query)} characters long; at most {MAX_MEANING_CHARS} are taken. "
            "Describe the picture in a sentence or two."
        )
    return query


def query_words(text: str) -> list[str]:
    """The words of a query worth matching literally, in order, each once."""
    words: list[str] = []
    for word in _WORD.findall(text.lower()):
        if len(word) > 1 and word not in STOP_WORDS and word not in words:
            words.append(word)
    return words[:MAX_QUERY_WORDS]


def fuse(meaning: Sequence[tuple[int, float]], words: Sequence[int], *, limit: int, k: int = RRF_K) -> list[Scored]:
    """Reciprocal-rank fusion of a meaning ranking (id, similarity) and a word ranking (ids, best first).

    A record missing from one ranking counts as ranked just past its end, so a word match the meaning ranking
    did not reach still beats the top meaning match that has none of the words: a rare exact word wins.
    """
    similarity: Mapping[int, float] = dict(meaning)
    meaning_rank = {record_id: rank for rank, (record_id, _) in enumerate(meaning, start=1)}
    word_rank = {record_id: rank for rank, record_id in enumerate(words, start=1)}
    past_the_end = len(meaning) + 1
    scores = {
        record_id: 1 / (k + meaning_rank.get(record_id, past_the_end))
        + (1 / (k + word_rank[record_id]) if record_id in word_rank else 0.0)
        for record_id in {*meaning_rank, *word_rank}
    }
    ordered = sorted(scores, key=lambda record_id: (-scores[record_id], -similarity.get(record_id, -2.0), record_id))
    return [Scored(record_id, scores[record_id], similarity.get(record_id)) for record_id in ordered[:limit]]


@dataclass(frozen=True)
class VectorCoverage:
    """How many records have a vector for one model, of all saved: a reindex's progress, read from the database
    itself, so any process sees a reindex that another one runs."""

    embedded: int
    total: int

    @property
    def waiting(self) -> int:
        return self.total - self.embedded


class RecordVectors(Protocol):
    """The records' embeddings, one per record and model: what search by meaning and `reindex` read and write."""

    def uses_index(self) -> bool:
        """Whether the database searches the vectors itself (pgvector's HNSW) rather than the app exactly."""
        ...

    def save(self, *, model: str, vectors: Mapping[int, Sequence[float]]) -> int:
        """Store (or replace) these records' vectors for `model`; how many were stored (deleted records are not)."""
        ...

    def vector_of(self, *, model: str, record_id: int) -> list[float] | None: ...

    def waiting(self, *, model: str, limit: int, after_id: int = 0) -> list[tuple[int, str]]:
        """Records with no vector for `model`, by id above `after_id`: (id, the text to embed)."""
        ...

    def count_waiting(self, *, model: str) -> int: ...

    def coverage(self, *, model: str) -> VectorCoverage:
        """Records with a vector for `model`, and all records, counted in one query (one moment)."""
        ...

    def nearest(
        self, *, model: str, vector: Sequence[float], query: HistoryQuery, limit: int, exclude: Collection[int] = ()
    ) -> list[tuple[int, float]]:
        """The records matching `query`'s filters most similar to `vector`: (id, cosine similarity), best first."""
        ...
