"""Search by meaning, More like this, embedding on save and `reindex`: the use cases over the Embedder and
RecordVectors ports, shared by History and `python -m core`.

A query's meaning ranking (nearest vectors) and word ranking (records holding all its words) are fused by
reciprocal rank, so "the puppy by the sea" finds the dog on a beach and a rare exact word
still wins. A vector is made when a record is saved, on a background thread so the save does not wait; a save
while the model is down is saved all the same and waits for `reindex`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from core.domain.errors import InputError
from core.domain.meaning import (
    CANDIDATES,
    RecordVectors,
    Scored,
    VectorCoverage,
    embedding_text,
    fuse,
    meaning_query,
    query_words,
)
from core.domain.ports import Embedder, ImageRecords, RecordReader
from core.domain.records import HistoryQuery, ImageRecordView

log = logging.getLogger(__name__)

REINDEX_BATCH = 64


@dataclass(frozen=True)
class Found:
    """One answer of a meaning search or More like this: the record, its rank score and cosine similarity."""

    record: ImageRecordView
    score: float
    similarity: float | None

    def to_json(self) -> dict[str, object]:
        return {**self.record.to_json(), "score": round(self.score, 6), "similarity": _rounded(self.similarity)}


def search_by_meaning(
    reader: ImageRecords,
    vectors: RecordVectors,
    embedder: Callable[[], Embedder],
    *,
    text: str,
    query: HistoryQuery | None = None,
    limit: int = 50,
) -> list[Found]:
    """Records matching `query`'s filters (its words included), best first by meaning fused with words."""
    wanted = meaning_query(text)
    query = query or HistoryQuery()
    model = embedder()
    meaning = vectors.nearest(
        model=model.model_id, vector=model.embed([wanted])[0], query=query, limit=max(CANDIDATES, limit)
    )
    words = word_ranking(reader, query, query_words(wanted))
    return _found(reader, fuse(meaning, words, limit=limit))


def more_like_this(
    reader: ImageRecords,
    vectors: RecordVectors,
    embedder: Callable[[], Embedder],
    *,
    record_id: int,
    query: HistoryQuery | None = None,
    limit: int = 50,
) -> list[Found]:
    """The records nearest in meaning to a saved one, itself left out; an unknown id is an InputError."""
    record = reader.get(record_id=record_id)
    if record is None:
        raise InputError(f"No saved image has id {record_id}: check `python -m core history`.")
    query = query or HistoryQuery()
    model = embedder()
    vector = vectors.vector_of(model=model.model_id, record_id=record_id)
    if vector is None:  # saved while the model was down, or before a model change: embed it now
        vector = model.embed([embedding_text(record.prompt, record.description, record.transcript)])[0]
        vectors.save(model=model.model_id, vectors={record_id: vector})
    nearest = vectors.nearest(model=model.model_id, vector=vector, query=query, limit=limit, exclude={record_id})
    return _found(reader, [Scored(found_id, similarity, similarity) for found_id, similarity in nearest])


def word_ranking(reader: RecordReader, query: HistoryQuery, words: list[str]) -> list[int]:
    """Records holding every one of `words` (as History's word search matches them), newest first.

    Every word, not any: "the puppy by the sea" must not lift a lighthouse "by the sea" over the dog on the
    beach, while a query naming a rare thing ("xylophone") puts the one record that has it first.
    """
    if not words:
        return []
    narrowed = replace(query, search=" ".join([query.search or "", *words]).strip(), limit=CANDIDATES, offset=0)
    return [record.id for record in reader.search(query=narrowed).records]


def waiting_count(vectors: RecordVectors, model_id: str) -> int:
    """How many records have no vector for the model in use (Status shows it; `reindex` clears it)."""
    return vectors.count_waiting(model=model_id)


def coverage(vectors: RecordVectors, model_id: str) -> VectorCoverage:
    """Records with a vector for the model in use, of all: Status follows a reindex run anywhere by it."""
    return vectors.coverage(model=model_id)


@dataclass(frozen=True)
class ReindexProgress:
    embedded: int
    waiting: int  # before this run started


def reindex(vectors: RecordVectors, embedder: Embedder, *, batch: int = REINDEX_BATCH) -> Iterator[ReindexProgress]:
    """Embed every record without a vector for `embedder`'s model, a batch at a time, reporting after each.

    Each batch is stored as it is made, so an interrupted run leaves its work behind and the next one resumes
    from the records still waiting.
    """
    waiting = vectors.count_waiting(model=embedder.model_id)
    embedded, after_id = 0, 0
    while rows := vectors.waiting(model=embedder.model_id, limit=batch, after_id=after_id):
        made = embedder.embed([text for _, text in rows])
        embedded += vectors.save(model=embedder.model_id, vectors=dict(zip((i for i, _ in rows), made, strict=True)))
        after_id = rows[-1][0]
        yield ReindexProgress(embedded=embedded, waiting=waiting)


class EmbedOnSave:
    """The pipeline's after-save call: embed the new record on one background thread, never failing the save.

    One worker keeps the order of saves and takes one core at most; a model that cannot load, or a database
    that refuses, is logged and leaves the record to `reindex`.
    """

    def __init__(self, vectors: RecordVectors, embedder: Callable[[], Embedder]) -> None:
        self._vectors = vectors
        self._embedder = embedder
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    def __call__(self, record: ImageRecordView) -> None:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embed-on-save")
            self._pool.submit(self.embed_now, record)

    def embed_now(self, record: ImageRecordView) -> bool:
        """Embed and store one record's vector now; False (logged) when the model or the database failed."""
        try:
            model = self._embedder()
            vector = model.embed([embedding_text(record.prompt, record.description, record.transcript)])[0]
            self._vectors.save(model=model.model_id, vectors={record.id: vector})
        except Exception as exc:  # a search vector is never worth a failed save: `reindex` catches up
            log.warning("Record %s was saved without a search vector (run `reindex` later): %s", record.id, exc)
            return False
        return True

    def wait(self) -> None:
        """Finish the vectors already asked for (a command's end, a test)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)


def _found(records: ImageRecords, ranked: list[Scored]) -> list[Found]:
    if not ranked:  # nothing matched (or nothing saved yet): an empty answer, not "select an image first"
        return []
    by_id = {record.id: record for record in records.get_many(record_ids=[scored.record_id for scored in ranked])}
    return [Found(by_id[s.record_id], s.score, s.similarity) for s in ranked if s.record_id in by_id]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
