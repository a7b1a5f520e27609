"""The app's own time per edit, besides Replicate's: reading and uploading the source, the caption, the save.

Each edit is the app's own code path (core.app.edit.Editing through core.app.edit_run.EditRun: read the source
back from the store and check it, the real ReplicateEditor, BLIP, Pipeline.save into a real images folder and
a real SQLite file) against the local fake Replicate on loopback, whose model answers at once: so the "edit call"
column is the app's side of it (the source upload through POST /v1/files, the prediction request, the download
of the result), not FLUX Kontext's seconds of work. The captioner is BLIP-base's real size with random weights,
loaded once before timing (loading is a one-off per server process, measured in the models bench).
The source is a 1024 × 1024 JPEG, the size FLUX makes. Median of REPEATS edits after one warm-up edit.
Run from the repository root: `python -m bench.bench_edit` (prints JSON).
"""

from __future__ import annotations

import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 5
CAPTION_TOKENS = 15
SIDE = 1024


def source_jpeg() -> bytes:
    from PIL import Image

    image = Image.effect_noise((SIDE, SIDE), 64).convert("RGB")  # noise: no easy compression, a fair upload size
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def run() -> list[dict[str, Any]]:
    sys.path.insert(0, str(ROOT))
    from core.app.edit import Editing
    from core.app.edit_run import EditInput, EditRun
    from core.app.pipeline import Pipeline
    from core.config.settings import Secret, Settings
    from core.db.engine import create_engine_for, migrate
    from core.db.repository import RecordRepository
    from core.domain.drafts import Draft
    from core.domain.ports import GeneratedImage, GenerationRequest
    from core.replicate.client import ReplicateModel
    from core.replicate.kontext import EDIT_TASK, ReplicateEditor
    from core.storage.local import LocalStore
    from tests.fakes import FakeGenerator, FakeTranscriber
    from tests.fixtures.models import blip_base_size_captioner
    from tests.fixtures.replicate_server import TOKEN, start_fake_replicate

    captioner = blip_base_size_captioner(max_new_tokens=CAPTION_TOKENS)
    fake, server = start_fake_replicate()
    names = ("read_source", "edit_call", "caption", "save", "total", "besides_caption")
    samples: dict[str, list[float]] = {name: [] for name in names}
    folder = tempfile.TemporaryDirectory()
    data = source_jpeg()
    try:
        engine = create_engine_for(f"sqlite:///{folder.name}/app.db")
        migrate(engine)
        pipeline = Pipeline(
            store=LocalStore(Path(folder.name) / "images"),
            records=RecordRepository(engine),
            generator=FakeGenerator(),
            transcriber=FakeTranscriber,
            captioner=lambda: captioner,
        )
        model = ReplicateModel(
            api_token=Secret(TOKEN), model=Settings.image_edit_model, task=EDIT_TASK, base_url=fake.base_url
        )
        editor = ReplicateEditor(model)
        editing = Editing(pipeline=pipeline, editor=editor)
        request = GenerationRequest(prompt="a lighthouse at noon", aspect_ratio="1:1", output_format="jpg", seed=1)
        # One source per edit: the fake's edit is the source inverted, and the same bytes would save only once.
        parents = [
            pipeline.save(Draft(GeneratedImage(source, "jpg"), request, "black-forest-labs/flux-schnell")).record.id
            for source in [data, *(source_jpeg() for _ in range(REPEATS))]
        ]
        for attempt, parent in enumerate(parents):
            started = time.perf_counter()
            edit = EditRun(editing, EditInput(record_id=parent, instruction="make it night"))
            edit.run()
            if edit.error is not None or edit.draft is None:
                raise RuntimeError(f"edit failed: {edit.error!r}")
            read_done = time.perf_counter()
            saved_at = time.perf_counter()
            if edit.save() == parent:
                raise RuntimeError("the edit was not saved as a new record")
            save_ms = (time.perf_counter() - saved_at) * 1000
            if attempt == 0:
                continue  # warm-up: first HTTP connection, first thumbnail, first insert
            stages = {stage.name: stage.ms for stage in edit.stages}
            total_ms = (read_done - started) * 1000 + save_ms
            samples["edit_call"].append(stages["generate"])
            samples["caption"].append(stages["caption"])
            samples["save"].append(save_ms)
            samples["read_source"].append(total_ms - save_ms - stages["generate"] - stages["caption"])
            samples["total"].append(total_ms)
            samples["besides_caption"].append(total_ms - stages["caption"])
        engine.dispose()
    finally:
        server.shutdown()
        server.server_close()
        folder.cleanup()
    medians = {name: round(statistics.median(values), 1) for name, values in samples.items()}
    return [
        {
            "benchmark": "edit",
            "source": f"{SIDE}x{SIDE} jpeg, {len(data) // 1024} KB",
            "edits": REPEATS,
            "read_source_ms": medians["read_source"],
            "edit_call_loopback_ms": medians["edit_call"],
            "caption_ms": medians["caption"],
            "save_ms": medians["save"],
            "app_total_ms": medians["total"],
            "app_total_without_caption_ms": medians["besides_caption"],
        }
    ]


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
