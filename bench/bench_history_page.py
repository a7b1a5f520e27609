"""History page render times in AppTest on the embedded default (SQLite + local folder).

Two sizes: ~200 records (every view, the detail), and 100,000 records, where a page of the gallery (the
default view) is timed next to the same page as a table. URL signing fresh vs through PresignedUrlCache is
measured by bench_storage; this suite times whole renders.
Run from the repository root: `python -m bench.bench_history_page` (prints JSON).
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RECORDS = 200
LARGE = 100_000
DISTINCT_IMAGES = 200  # the large gallery's rows share these files: pages still show 25 different thumbnails
RERUNS = 15
SESSIONS = 5
GRID_KEY = "history_grid"  # ui.history.state.GRID_KEY; not imported, so each measurement starts cold


def run(records: int = RECORDS, large: int = LARGE) -> list[dict[str, Any]]:
    """Both sizes, each in a fresh interpreter and folder of its own."""
    return _in_fresh_interpreter("measure", records) + _in_fresh_interpreter("measure_at_scale", large)


def _in_fresh_interpreter(function: str, records: int) -> list[dict[str, Any]]:
    """Measure in a fresh interpreter inside a temporary folder, so no `.env` or warm import skews it."""
    with tempfile.TemporaryDirectory() as folder:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(ROOT),
            "DATA_DIR": str(Path(folder) / "data"),
            "HF_HUB_OFFLINE": "1",
        }
        probe = (
            f"import json; from bench.bench_history_page import {function}; print(json.dumps({function}({records})))"
        )
        out = subprocess.run(
            [sys.executable, "-c", probe], cwd=folder, env=env, capture_output=True, text=True, check=True
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(records: int) -> list[dict[str, Any]]:
    """Seed, then time: the process's first render, new sessions, and reruns in each view."""
    _seed(records)
    from streamlit.testing.v1 import AppTest

    page = str(ROOT / "pages" / "history.py")
    started = time.perf_counter()
    first = AppTest.from_file(page, default_timeout=120).run()
    rows = [_row("first render in a new process (imports, services, schema check)", [_ms(started)], first, records)]

    sessions = []
    for _ in range(SESSIONS):
        started = time.perf_counter()
        at = AppTest.from_file(page, default_timeout=120).run()
        sessions.append(_ms(started))
    rows.append(_row("first render of a new session (warm process), gallery of 25", sessions, at, records))
    rows.append(_row("baseline: a one-line script's new session (AppTest's own overhead)", _baseline(), None, 0))

    for label, params in (
        ("rerun, table of 25", {"view": "table"}),
        ("rerun, table of 100", {"view": "table", "size": "100"}),
        ("rerun, gallery of 25", {}),
        ("rerun, search 'lighthouse' (SQL LIKE), table", {"q": "lighthouse"}),
    ):
        at = AppTest.from_file(page, default_timeout=120)
        at.query_params.update(params)
        at.run()
        rows.append(_row(label, _reruns(at), at, records))

    at = AppTest.from_file(page, default_timeout=120).run()
    at.session_state["history_open_id"] = records  # the newest
    at.run()
    rows.append(_row("rerun with the detail view open", _reruns(at), at, records))
    return rows


def measure_at_scale(records: int) -> list[dict[str, Any]]:
    """At `records` rows: a page of the gallery next to the same page as a table (new sessions and reruns).

    The two views are timed turn about, so a busy machine slows both alike instead of whichever ran second.
    """
    _seed_at_scale(records)
    from streamlit.testing.v1 import AppTest

    page = str(ROOT / "pages" / "history.py")
    AppTest.from_file(page, default_timeout=300).run()  # imports, services and the schema check, paid once
    views = ("table", "gallery")
    sessions: dict[str, list[float]] = {view: [] for view in views}
    reruns: dict[str, list[float]] = {view: [] for view in views}
    apps: dict[str, Any] = {}
    for _ in range(SESSIONS):
        for view in views:
            started = time.perf_counter()
            apps[view] = AppTest.from_file(page, default_timeout=300)
            apps[view].query_params["view"] = view
            apps[view].run()
            sessions[view].append(_ms(started))
    for _ in range(RERUNS):
        for view in views:
            started = time.perf_counter()
            apps[view].run()
            reruns[view].append(_ms(started))
    rows = []
    for view in views:
        rows.append(_row(f"first render of a new session, {view} of 25", sessions[view], apps[view], records))
        rows.append(_row(f"rerun, {view} of 25", reruns[view], apps[view], records))
    at = AppTest.from_file(page, default_timeout=300).run()
    at.button(key="history_select_all").click().run()
    rows.append(_row("rerun, gallery of 25 with all 25 selected (bulk bar, highlights)", _reruns(at), at, records))
    return rows


def _baseline() -> list[float]:
    from streamlit.testing.v1 import AppTest

    samples = []
    for _ in range(SESSIONS):
        started = time.perf_counter()
        AppTest.from_string("import streamlit as st\nst.title('baseline')").run()
        samples.append(_ms(started))
    return samples


def _reruns(at: Any) -> list[float]:
    samples = []
    for _ in range(RERUNS):
        started = time.perf_counter()
        at.run()
        samples.append(_ms(started))
    return samples


def _row(benchmark: str, samples: list[float], at: Any, records: int) -> dict[str, Any]:
    if at is not None and at.exception:
        raise RuntimeError(f"{benchmark}: the page raised {at.exception[0].message}")
    table = at.dataframe[0].proto.arrow_data.data if at is not None and at.dataframe else b""
    grids = (
        [element.proto.json for element in at.get("bidi_component") if element.key == GRID_KEY]
        if at is not None
        else []
    )
    return {
        "benchmark": f"History page: {benchmark}",
        "records": records,
        "median_ms": round(statistics.median(samples), 1),
        "runs": len(samples),
        "table_kb": round(len(table) / 1024, 1),
        "grid_kb": round(len(grids[0].encode()) / 1024, 1) if grids else 0.0,  # the gallery's cards, as sent
    }


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _seed(records: int) -> None:
    """Records shaped like real ones: a 1024 px image, its 256 px WebP thumbnail, timings and models."""
    from PIL import Image, ImageDraw

    from core.app.images import make_thumbnail, new_object_keys
    from core.app.services import build_services
    from core.config.settings import load_settings
    from core.domain.records import NewRecord

    subjects = ("an old lighthouse", "a red fox", "a paper boat", "a robot gardener", "a glass teapot")
    current = build_services(load_settings())
    for n in range(records):
        image = Image.new("RGB", (1024, 1024), (n % 256, 120, 200))
        ImageDraw.Draw(image).ellipse((100 + n, 100, 700, 800), fill=(240, 200 - n % 100, 40))
        buffer = io.BytesIO()
        image.save(buffer, format="WEBP", quality=80)
        data = buffer.getvalue()
        image_key, thumbnail_key = new_object_keys("webp")
        current.store.put(image_key, data, "image/webp")
        current.store.put(thumbnail_key, make_thumbnail(data), "image/webp")
        prompt = f"{subjects[n % len(subjects)]} at dusk, number {n}"
        record = NewRecord(
            prompt=prompt,
            image_filename=image_key,
            description=f"a picture of {subjects[n % len(subjects)]}",
            idempotency_key=f"bench-{n}",
            transcript=prompt,
            thumbnail_filename=thumbnail_key,
            content_type="image/webp",
            width=1024,
            height=1024,
            size_bytes=len(data),
            aspect_ratio="1:1",
            output_format="webp",
            image_model="black-forest-labs/flux-schnell",
            caption_model="Salesforce/blip-image-captioning-base",
            speech_model="openai/whisper-base",
            timings_ms={"transcribe": 700.0, "generate": 2400.0, "caption": 1000.0, "upload": 60.0},
        )
        current.records.add(record=record)
    current.database.dispose()


def _seed_at_scale(records: int) -> None:
    """DISTINCT_IMAGES real records, then rows pointing at their files, inserted in bulk up to `records`."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import insert, select

    from core.config.settings import load_settings
    from core.db.engine import create_engine_for
    from core.db.schema import ImageRecord

    _seed(min(records, DISTINCT_IMAGES))
    engine = create_engine_for(load_settings().database_url)
    with engine.begin() as connection:
        models = [dict(row._mapping) for row in connection.execute(select(ImageRecord))]
        start = datetime(2024, 1, 1, tzinfo=UTC)
        batch: list[dict[str, Any]] = []
        for n in range(len(models), records):
            row = {key: value for key, value in models[n % len(models)].items() if key != "id"}
            row.update(
                prompt=f"{row['prompt']} (copy {n})",
                idempotency_key=f"bench-large-{n}",
                created_at=start + timedelta(seconds=n),
                parent_id=n - 1 if n % 50 == 0 else None,  # some edits, so the gallery draws its badges
            )
            batch.append(row)
            if len(batch) == 5000:
                connection.execute(insert(ImageRecord), batch)
                batch = []
        if batch:
            connection.execute(insert(ImageRecord), batch)
    engine.dispose()


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
