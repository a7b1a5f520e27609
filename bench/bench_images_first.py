"""Images first: time from Generate to the first image being available to the page vs to all captions done.

The run is the app's own (core.app.runs.CreateRun on a worker thread, the real Replicate adapter against the
local fake Replicate server on loopback, a captioner of BLIP-base's real size with random weights, loaded
through a Lazy the way the app loads it). The page polls a running run every 0.5 s (ui.create.results), so an
image is on screen at most that much after it is available here. Before this change the page showed images
only once every caption was written: the "all captions" column is what a user waited then.
Run from the repository root: `python -m bench.bench_images_first` (prints JSON).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
IMAGES = 4
CAPTION_TOKENS = 15
POLL_S = 0.5  # ui.create.results.POLL_S


def run() -> list[dict[str, Any]]:
    sys.path.insert(0, str(ROOT))
    from core.app.lazy import Lazy
    from core.app.pipeline import Pipeline
    from core.app.runs import CreateRun, RunInput
    from core.domain.ports import GenerationRequest
    from core.replicate.client import ReplicateModel
    from core.replicate.flux import IMAGE_TASK, ReplicateGenerator
    from tests.fakes import FakeRecords, FakeStore, FakeTranscriber
    from tests.fixtures.models import blip_base_size_captioner
    from tests.fixtures.replicate_server import TOKEN, start_fake_replicate

    class TimedRun(CreateRun):
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            self.started_at = time.perf_counter()
            self.images_at: float | None = None

        def images_ready(self, drafts: list[Any]) -> None:
            self.images_at = time.perf_counter()
            super().images_ready(drafts)

    def build_captioner() -> Any:
        return blip_base_size_captioner(max_new_tokens=CAPTION_TOKENS)

    fake, server = start_fake_replicate()
    rows = []
    try:
        from core.config.settings import Secret, Settings

        model = ReplicateModel(
            api_token=Secret(TOKEN), model=Settings.image_model, task=IMAGE_TASK, base_url=fake.base_url
        )
        generator = ReplicateGenerator(model)
        pipeline = Pipeline(
            store=FakeStore(),
            records=FakeRecords(),
            generator=generator,
            transcriber=lambda: FakeTranscriber(),
            captioner=Lazy(build_captioner),
        )
        for label in ("first Generate of a process (caption model loads in the run)", "later Generate"):
            request = GenerationRequest(prompt="a lighthouse at dusk", num_outputs=IMAGES)
            timed = TimedRun(pipeline, RunInput(request))
            timed.run()
            if timed.error is not None:
                raise RuntimeError(f"images-first run failed: {timed.error!r}")
            done_at = time.perf_counter()
            assert timed.images_at is not None
            images_s = timed.images_at - timed.started_at
            rows.append(
                {
                    "benchmark": "images_first",
                    "run": label,
                    "images": IMAGES,
                    "first_image_available_s": round(images_s, 2),
                    "first_image_on_screen_by_s": round(images_s + POLL_S, 2),
                    "all_captions_done_s": round(done_at - timed.started_at, 2),
                    "stages": ", ".join(f"{s.name}{s.image or ''} {s.ms / 1000:.2f}" for s in timed.stages),
                }
            )
    finally:
        server.shutdown()
        server.server_close()
    return rows


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
