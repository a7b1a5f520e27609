"""History queries in SQL against the naive way (load every row into pandas), at 10k and 100k rows.

Besides words, the team-gallery filters: a tag together with a word, starred only, and one author.

Run: python -m bench.bench_history [postgresql+psycopg://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pandas as pd
from sqlalchemy import Engine, create_engine, make_url, text

from core.db.engine import create_engine_for, migrate
from core.db.repository import RecordRepository
from core.domain.records import HistoryQuery

SIZES = (10_000, 100_000)
PAGE_SIZE = 50
SEARCH_WORD = "lighthouse"
TAG = "poster"
AUTHOR = "user3"
PEOPLE = 8
STAR_SHARE = 0.05
DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

SUBJECTS = [
    "a red fox",
    "an old lighthouse",
    "a paper boat",
    "a robot gardener",
    "two cats",
    "a steam train",
    "a glass teapot",
    "a mountain village",
    "a jazz band",
    "a hot air balloon",
    "a koi pond",
    "a castle",
]
PLACES = [
    "at dawn",
    "in the rain",
    "on the moon",
    "under neon lights",
    "in a misty forest",
    "by the sea",
    "in a snowy valley",
    "inside a library",
    "at sunset",
    "in the desert",
]
STYLES = ["watercolor", "photograph", "oil painting", "pixel art", "charcoal sketch", "3d render", "ukiyo-e print"]
CAPTIONS = [
    "there is a {s} {p}",
    "a painting of {s} {p}",
    "an image of {s}",
    "{s} with a blue sky",
    "a close up of {s}",
]
COPY_COLUMNS = (
    "prompt",
    "image_filename",
    "description",
    "transcript",
    "created_at",
    "idempotency_key",
    "timings_ms",
    "width",
    "height",
    "aspect_ratio",
    "output_format",
    "image_model",
    "caption_model",
    "speech_model",
    "starred",
    "created_by",
)
# Tags by record id, so every size step tags only its new rows: a few common tags and many client tags.
TAG_ROWS_SQL = """
UPDATE image_records AS r SET tags = ARRAY(
    SELECT t.tag FROM (VALUES ('poster', r.id % 10 = 0), ('team red', r.id % 4 = 1), ('sky', r.id % 7 = 3),
                              ('client ' || (r.id % 50), true)) AS t (tag, keep)
    WHERE t.keep ORDER BY t.tag)
WHERE r.id > :after
"""


def run(pg_admin_url: str, *, repetitions: int = 5) -> list[dict[str, object]]:
    """Create a scratch database, fill it in steps and time each query both ways; drops it afterwards."""
    name = f"bench_history_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = create_engine_for(make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False))
    try:
        migrate(engine)
        results: list[dict[str, object]] = []
        inserted = 0
        for size in SIZES:
            _bulk_insert(engine, _rows(size - inserted, seed=size), after=inserted)
            inserted = size
            results.extend(_measure_all(engine, size, repetitions))
        return results
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _measure_all(engine: Engine, rows: int, repetitions: int) -> list[dict[str, object]]:
    repository = RecordRepository(engine)
    cases: list[tuple[str, HistoryQuery, Callable[[pd.DataFrame], tuple[pd.DataFrame, int]]]] = [
        ("history first page", HistoryQuery(limit=PAGE_SIZE), _naive_first_page),
        (f"history word search ({SEARCH_WORD!r})", HistoryQuery(search=SEARCH_WORD, limit=PAGE_SIZE), _naive_search),
        (
            f"history tag {TAG!r} + word {SEARCH_WORD!r}",
            HistoryQuery(search=SEARCH_WORD, tags=(TAG,), limit=PAGE_SIZE),
            _naive_tag_and_word,
        ),
        ("history starred only", HistoryQuery(starred=True, limit=PAGE_SIZE), _naive_starred),
        (
            f"history starred, made by {AUTHOR!r}",
            HistoryQuery(starred=True, created_by=AUTHOR, limit=PAGE_SIZE),
            _naive_starred_by,
        ),
    ]
    results = []
    for label, query, naive in cases:
        page = repository.search(query=query)
        naive_page, naive_total = naive(_load_everything(engine))
        # Both ways must agree, or the comparison means nothing.
        assert (page.total, [r.id for r in page.records]) == (naive_total, naive_page["id"].tolist()), label
        sql_ms = _median_ms(lambda q=query: repository.search(query=q), repetitions)
        naive_ms = _median_ms(lambda n=naive: n(_load_everything(engine)), repetitions)
        results.append(
            {
                "benchmark": label,
                "rows": rows,
                "matches": page.total,
                "median_ms": round(sql_ms, 2),
                "naive_median_ms": round(naive_ms, 2),
                "speedup": round(naive_ms / sql_ms, 1),
            }
        )
    return results


def _load_everything(engine: Engine) -> pd.DataFrame:
    """Every record (tags come as a list), as an app without SQL filters would hold them."""
    with engine.connect() as connection:
        return pd.read_sql(text("SELECT * FROM image_records"), connection)


def _naive_first_page(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    ordered = frame.sort_values(["created_at", "id"], ascending=False)
    return ordered.iloc[:PAGE_SIZE], len(frame)


def _word_matches(frame: pd.DataFrame) -> pd.Series:
    matches = pd.Series(False, index=frame.index)
    for column in ("prompt", "description", "transcript"):
        matches |= frame[column].fillna("").str.contains(SEARCH_WORD, case=False, regex=False)
    return matches


def _newest_page(found: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    ordered = found.sort_values(["created_at", "id"], ascending=False)
    return ordered.iloc[:PAGE_SIZE], len(found)


def _naive_search(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    return _newest_page(frame[_word_matches(frame)])


def _naive_tag_and_word(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    return _newest_page(frame[_word_matches(frame) & frame["tags"].apply(lambda tags: TAG in tags)])


def _naive_starred(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    return _newest_page(frame[frame["starred"]])


def _naive_starred_by(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    return _newest_page(frame[frame["starred"] & (frame["created_by"] == AUTHOR)])


def _median_ms(action: Callable[[], object], repetitions: int) -> float:
    action()  # warm caches and pools, as a running app would have
    samples = []
    for _ in range(repetitions):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def _rows(count: int, *, seed: int) -> Iterator[tuple[object, ...]]:
    """Varied prompts, captions and dates over two years, as a busy team's history would look."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    for _ in range(count):
        subject, place, style = rng.choice(SUBJECTS), rng.choice(PLACES), rng.choice(STYLES)
        prompt = f"{style} of {subject} {place}"
        spoken = f"um, I'd like {prompt}, please" if rng.random() < 0.6 else None
        timings = {
            "transcribe": rng.uniform(300, 2000),
            "generate": rng.uniform(1500, 6000),
            "caption": rng.uniform(500, 1500),
            "save": rng.uniform(50, 400),
        }
        yield (
            prompt,
            f"{uuid.UUID(int=rng.getrandbits(128))}.webp",
            rng.choice(CAPTIONS).format(s=subject.split(" ", 1)[1], p=place),
            spoken,
            now - timedelta(seconds=rng.randrange(0, 2 * 365 * 24 * 3600)),
            uuid.UUID(int=rng.getrandbits(128)).hex,
            json.dumps(timings),
            1024,
            1024,
            "1:1",
            "webp",
            "black-forest-labs/flux-schnell",
            "Salesforce/blip-image-captioning-base",
            "openai/whisper-base",
            rng.random() < STAR_SHARE,
            f"user{rng.randrange(PEOPLE)}",
        )


def _bulk_insert(engine: Engine, rows: Iterator[tuple[object, ...]], *, after: int) -> None:
    connection = engine.raw_connection()
    try:
        driver = connection.driver_connection
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY image_records ({', '.join(COPY_COLUMNS)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        driver.commit()
    finally:
        connection.close()
    with engine.begin() as transaction:
        transaction.execute(text(TAG_ROWS_SQL), {"after": after})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as autocommit:
        # What autovacuum does soon after a bulk load: fresh statistics and a merged GIN pending list.
        autocommit.execute(text("VACUUM ANALYZE image_records"))


if __name__ == "__main__":
    admin_url = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PG_ADMIN_URL", DEFAULT_ADMIN_URL)
    print(json.dumps(run(admin_url), indent=2))
