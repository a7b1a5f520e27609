"""Search by meaning with the real all-MiniLM-L6-v2 on SQLite, PostgreSQL without pgvector (both exact, in the
app) and PostgreSQL with pgvector (HNSW in the database, pgserver): the use cases and `python -m core`."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from sqlalchemy import Engine, insert

from core.app import meaning
from core.db.embeddings import SqlRecordVectors
from core.db.engine import create_engine_for, migrate
from core.db.repository import RecordRepository
from core.db.schema import ImageRecord, utc_now
from core.domain.errors import InputError
from core.domain.meaning import VectorCoverage
from core.domain.ports import Embedder
from core.domain.records import HistoryQuery, NewRecord

GALLERY = [
    ("a small dog running along a sandy beach", "a dog runs on the beach"),
    ("a red sports car parked in a neon city at night", "a red car on a street at night"),
    ("a bowl of ramen with chopsticks, steam rising", "a bowl of noodles"),
    ("snowy mountains under a starry sky", "mountains with snow at night"),
    ("an astronaut riding a horse on the moon", "a man in a space suit on a horse"),
    ("a cozy library with leather armchairs and a fireplace", "a room with books and a fire"),
    ("a cat sleeping on a windowsill in the afternoon sun", "a cat on a window"),
    ("a lighthouse on a cliff in a storm", "a lighthouse on a rock with waves"),
    ("a bustling market with fruit stalls in Marrakesh", "a market with fruit"),
    ("a watercolor painting of tulips in a vase", "flowers in a vase"),
    ("an old steam locomotive crossing a stone viaduct", "a train on a bridge"),
    ("a child flying a kite in a green meadow", "a kid with a kite in a field"),
]


def save_gallery(repository: RecordRepository) -> dict[str, int]:
    ids = {}
    for number, (prompt, caption) in enumerate(GALLERY):
        new = NewRecord(
            prompt=prompt, image_filename=f"images/{number}.webp", description=caption, idempotency_key=f"k{number}"
        )
        record, _ = repository.add(record=new)
        ids[prompt] = record.id
    return ids


Gallery = tuple[RecordRepository, SqlRecordVectors, dict[str, int]]


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("pgvector", marks=pytest.mark.postgres),
    ]
)
def search_engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """SQLite and the machine's PostgreSQL (exact search in the app), and pgserver's PostgreSQL with pgvector."""
    if request.param == "pgvector":
        yield request.getfixturevalue("pgvector_engine")
        return
    engine = create_engine_for(request.getfixturevalue(f"{request.param}_url"))
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def gallery(search_engine: Engine, minilm_embedder: Embedder) -> Iterator[Gallery]:
    repository = RecordRepository(search_engine)
    vectors = SqlRecordVectors(search_engine)
    ids = save_gallery(repository)
    list(meaning.reindex(vectors, minilm_embedder))
    yield repository, vectors, ids


def test_the_puppy_by_the_sea_finds_the_dog_on_the_beach_first(gallery, minilm_embedder: Embedder) -> None:
    repository, vectors, ids = gallery
    found = meaning.search_by_meaning(
        repository, vectors, lambda: minilm_embedder, text="the puppy by the sea", limit=5
    )
    assert found[0].record.id == ids["a small dog running along a sandy beach"]
    assert found[0].similarity is not None and found[0].similarity > found[1].similarity  # type: ignore[operator]


def test_a_rare_exact_word_still_wins_over_closer_meanings(gallery, minilm_embedder: Embedder) -> None:
    repository, vectors, ids = gallery
    found = meaning.search_by_meaning(repository, vectors, lambda: minilm_embedder, text="Marrakesh", limit=3)
    assert found[0].record.id == ids["a bustling market with fruit stalls in Marrakesh"]


def test_filters_combine_with_meaning(gallery, minilm_embedder: Embedder) -> None:
    repository, vectors, ids = gallery
    cat = ids["a cat sleeping on a windowsill in the afternoon sun"]
    repository.set_starred(record_ids=[cat], starred=True)
    found = meaning.search_by_meaning(
        repository, vectors, lambda: minilm_embedder, text="the puppy by the sea", query=HistoryQuery(starred=True)
    )
    assert [item.record.id for item in found] == [cat]


def test_more_like_this_leaves_the_record_itself_out_and_an_unknown_id_is_refused(
    gallery, minilm_embedder: Embedder
) -> None:
    repository, vectors, ids = gallery
    dog = ids["a small dog running along a sandy beach"]
    found = meaning.more_like_this(repository, vectors, lambda: minilm_embedder, record_id=dog, limit=20)
    assert dog not in [item.record.id for item in found] and len(found) == len(GALLERY) - 1
    with pytest.raises(InputError, match="No saved image has id 999999"):
        meaning.more_like_this(repository, vectors, lambda: minilm_embedder, record_id=999_999)


@pytest.mark.parametrize("text", ["", "   ", "x" * 501])
def test_an_empty_or_over_long_query_is_refused(gallery, minilm_embedder: Embedder, text: str) -> None:
    repository, vectors, _ = gallery
    with pytest.raises(InputError, match="search by meaning"):
        meaning.search_by_meaning(repository, vectors, lambda: minilm_embedder, text=text)


def test_reindex_embeds_only_what_waits_and_a_deleted_record_leaves_the_search(
    gallery, minilm_embedder: Embedder
) -> None:
    repository, vectors, ids = gallery
    assert vectors.count_waiting(model=minilm_embedder.model_id) == 0
    assert list(meaning.reindex(vectors, minilm_embedder)) == []  # nothing left: a rerun does no work
    dog = ids["a small dog running along a sandy beach"]
    meaning.search_by_meaning(repository, vectors, lambda: minilm_embedder, text="a dog")  # the matrix is cached
    repository.delete(record_id=dog)
    found = meaning.search_by_meaning(repository, vectors, lambda: minilm_embedder, text="the puppy by the sea")
    assert dog not in [item.record.id for item in found]


def test_coverage_counts_each_record_once_per_model_as_a_reindex_in_another_connection_goes(
    search_engine: Engine, minilm_embedder: Embedder
) -> None:
    repository = RecordRepository(search_engine)
    ids = save_gallery(repository)
    watcher, worker = SqlRecordVectors(search_engine), SqlRecordVectors(search_engine)
    model = minilm_embedder.model_id
    assert (watcher.coverage(model=model).embedded, watcher.coverage(model=model).waiting) == (0, len(GALLERY))
    seen = [watcher.coverage(model=model).embedded for _ in meaning.reindex(worker, minilm_embedder, batch=5)]
    assert seen == [5, 10, 12]
    worker.save(model="another-model", vectors={ids["a bowl of ramen with chopsticks, steam rising"]: [1.0] * 384})
    assert meaning.coverage(watcher, model) == VectorCoverage(embedded=len(GALLERY), total=len(GALLERY))
    assert watcher.coverage(model="another-model").waiting == len(GALLERY) - 1


def test_the_database_with_pgvector_searches_by_its_index_and_the_others_in_the_app(
    search_engine: Engine, request: pytest.FixtureRequest
) -> None:
    assert SqlRecordVectors(search_engine).uses_index() == ("pgvector" in request.node.callspec.id)


def random_gallery(engine: Engine, count: int, dimension: int = 384) -> tuple[list[int], np.ndarray]:
    """`count` records with clustered unit vectors (as real embeddings are: topics, and variations on them)."""
    generator = np.random.default_rng(31)
    centres = generator.normal(size=(count // 20, dimension))
    points = centres[generator.integers(0, len(centres), count)] + 0.6 * generator.normal(size=(count, dimension))
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    # The rows in one statement: the recall is the point here, and 3,000 adds one by one took 8.5 s.
    rows = [
        {"prompt": f"p{n}", "image_filename": f"images/{n}.webp", "description": "", "idempotency_key": f"r{n}"}
        for n in range(count)
    ]
    with engine.begin() as connection:
        inserted = insert(ImageRecord).returning(ImageRecord.id, sort_by_parameter_order=True)
        ids = list(connection.scalars(inserted, [{**row, "created_at": utc_now(), "tags": []} for row in rows]))
    SqlRecordVectors(engine).save(model="clustered", vectors=dict(zip(ids, points.tolist(), strict=True)))
    return ids, points


@pytest.mark.postgres
def test_hnsw_gives_the_exact_top_10_recall_at_least_095(pgvector_engine: Engine) -> None:
    _, points = random_gallery(pgvector_engine, 3000)
    indexed, exact = SqlRecordVectors(pgvector_engine), SqlRecordVectors(pgvector_engine, use_index=False)
    assert indexed.uses_index() and not exact.uses_index()
    queries = points[:: len(points) // 40][:40] + 0.05
    hits = 0
    for query in queries:
        query = (query / np.linalg.norm(query)).tolist()
        truth = [i for i, _ in exact.nearest(model="clustered", vector=query, query=HistoryQuery(), limit=10)]
        found = [i for i, _ in indexed.nearest(model="clustered", vector=query, query=HistoryQuery(), limit=10)]
        hits += len(set(truth) & set(found))
    recall = hits / (10 * len(queries))
    print(f"HNSW recall@10 against exact, 3000 clustered 384-d vectors, 40 queries: {recall:.3f}")
    assert recall >= 0.95


@pytest.mark.postgres
def test_both_paths_give_the_same_top_10_for_the_gallery(pgvector_engine: Engine, minilm_embedder: Embedder) -> None:
    repository = RecordRepository(pgvector_engine)
    save_gallery(repository)
    list(meaning.reindex(SqlRecordVectors(pgvector_engine), minilm_embedder))
    for text in ("the puppy by the sea", "a train", "food"):
        vector = minilm_embedder.embed([text])[0]
        paths = [SqlRecordVectors(pgvector_engine, use_index=flag) for flag in (True, False)]
        indexed, exact = (
            p.nearest(model=minilm_embedder.model_id, vector=vector, query=HistoryQuery(), limit=10) for p in paths
        )
        assert [i for i, _ in indexed] == [i for i, _ in exact]
        assert [s for _, s in indexed] == pytest.approx([s for _, s in exact], abs=1e-5)
