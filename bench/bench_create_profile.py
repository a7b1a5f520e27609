"""Where one remote-mode create spends its time, and how much of it is the app's own work.

Remote mode (SPEECH_ENGINE=replicate, CAPTION_ENGINE=replicate) against the local fake Replicate, through the
app's own services: audio in (the 2.7 s house clip, as the Create page hands it over), transcribe, generate one
1 MP WebP, caption, then save (thumbnail, two uploads to the local folder, the insert into SQLite). The fake
answers at once, so the wall time is the app's overhead plus loopback HTTP. cProfile attributes it: the stage
timings the pipeline records, then the functions where the app's own time goes.
Run from the repository root: `python -m bench.bench_create_profile` (prints JSON).
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT / "tests" / "fixtures" / "audio" / "house_16k_mono.wav"
ROUNDS = 5
TOP_FUNCTIONS = 12


def run() -> list[dict[str, Any]]:
    sys.path.insert(0, str(ROOT))
    from core.app.services import build_services
    from core.config.settings import load_settings
    from core.domain.ports import GenerationRequest
    from tests.fixtures.replicate_server import start_fake_replicate

    fake, server = start_fake_replicate()
    audio = CLIP.read_bytes()
    request = GenerationRequest(prompt="", aspect_ratio="1:1", num_outputs=1, output_format="webp")
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            env = {
                "SPEECH_ENGINE": "replicate",
                "CAPTION_ENGINE": "replicate",
                "REPLICATE_API_TOKEN": fake.token,
                "REPLICATE_BASE_URL": fake.base_url,
                "DATA_DIR": data_dir,
            }
            services = build_services(load_settings(env, dotenv_path=None))
            # The first create also looks up each community model's version, once per process: not per click.
            services.pipeline.create(request, audio=audio, filename=CLIP.name)
            walls: list[float] = []
            stages: dict[str, list[float]] = {}
            profile = cProfile.Profile()
            for _ in range(ROUNDS):
                started = time.perf_counter()
                profile.enable()
                saved = services.pipeline.create(request, audio=audio, filename=CLIP.name)
                profile.disable()
                walls.append(time.perf_counter() - started)
                for stage, ms in saved[0].record.timings_ms.items():  # type: ignore[union-attr]
                    stages.setdefault(stage, []).append(ms)
            services.database.dispose()
            page_rows = _page(env)
    finally:
        server.shutdown()
        server.server_close()
    rows: list[dict[str, Any]] = [
        {
            "benchmark": "remote create",
            "rounds": ROUNDS,
            "wall_median_ms": round(statistics.median(walls) * 1000, 1),
            "load_average_1min": round(os.getloadavg()[0], 2),
        }
    ]
    rows += [{"stage": stage, "median_ms": round(statistics.median(ms), 1)} for stage, ms in stages.items()]
    rows += _top_functions(profile, rounds=ROUNDS)
    return rows + page_rows


def _page(env: dict[str, str]) -> list[dict[str, Any]]:
    """The same create through the Create page (AppTest): a recording arrives, then Do it all, to the saved row."""
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import finish_runs

    os.environ.update(env)
    wav = CLIP.read_bytes()
    steps: dict[str, list[float]] = {}
    for _ in range(ROUNDS):
        at = AppTest.from_file(str(ROOT / "pages" / "create.py"), default_timeout=120).run()
        timed = {
            "rerun with nothing new": lambda at=at: at.run(),
            "recording arrives (rerun + transcribe)": lambda at=at: (
                at.audio_input(key="rec").set_value(("clip.wav", wav, "audio/wav")).run()
            ),
            "Do it all click (rerun that starts the run)": lambda at=at: at.button(key="run_all").click().run(),
            "run to saved row, then the rerun showing it": lambda at=at: finish_runs(at),
        }
        for step, action in timed.items():
            started = time.perf_counter()
            action()
            steps.setdefault(step, []).append((time.perf_counter() - started) * 1000)
        assert not at.exception and any("Saved as #" in s.value for s in at.success), "the page did not save"
    return [{"page step": step, "median_ms": round(statistics.median(ms), 1)} for step, ms in steps.items()]


def _top_functions(profile: cProfile.Profile, *, rounds: int) -> list[dict[str, Any]]:
    """The functions with the most own time (tottime) per create, wherever they live."""
    stats = pstats.Stats(profile)
    entries = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)  # type: ignore[attr-defined]
    rows = []
    for (file, line, name), (_, calls, own, cumulative, _) in entries[:TOP_FUNCTIONS]:
        where = file.split("site-packages/")[-1].replace(str(ROOT) + "/", "")
        rows.append(
            {
                "function": f"{where}:{line} {name}",
                "own_ms_per_create": round(own * 1000 / rounds, 1),
                "cumulative_ms_per_create": round(cumulative * 1000 / rounds, 1),
                "calls_per_create": calls // rounds,
            }
        )
    return rows


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
