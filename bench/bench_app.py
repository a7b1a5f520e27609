"""Home's start-up cost (and that it never imports torch), and the save path on the embedded default."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_HOME_PROBE = """
import json, sys, time
started = time.perf_counter()
from streamlit.testing.v1 import AppTest
at = AppTest.from_file("Home.py", default_timeout=60)
at.run()
print(json.dumps({
    "ms": (time.perf_counter() - started) * 1000,
    "torch": "torch" in sys.modules,
    "transformers": "transformers" in sys.modules,
    "exception": bool(at.exception),
}))
"""


def home_startup(repeats: int = 5) -> dict[str, object]:
    """Render Home.py in a fresh interpreter each time, as a new server process would."""
    runs = []
    with tempfile.TemporaryDirectory() as data_dir:
        env = {"DATA_DIR": data_dir, "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
        for _ in range(repeats):
            out = subprocess.run(
                [sys.executable, "-c", _HOME_PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
            )
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {
        "benchmark": "Home first render in a new process (import + run)",
        "median_ms": round(statistics.median(r["ms"] for r in runs), 1),
        "imports_torch": any(r["torch"] for r in runs),
        "imports_transformers": any(r["transformers"] for r in runs),
        "repeats": repeats,
    }


def save_path(repeats: int = 20) -> dict[str, object]:
    """pipeline.save of one ~1 MP image: thumbnail, two writes and one insert (SQLite + local folder)."""
    sys.path.insert(0, str(ROOT))
    import io

    import numpy as np
    from PIL import Image

    from core.app.pipeline import Draft
    from core.app.services import build_services
    from core.config.settings import load_settings
    from core.domain.ports import GeneratedImage, GenerationRequest

    times = []
    with tempfile.TemporaryDirectory() as data_dir:
        services = build_services(load_settings({"DATA_DIR": data_dir}, dotenv_path=None))
        pipeline = services.pipeline
        rng = np.random.default_rng(1)
        for n in range(repeats):
            buffer = io.BytesIO()
            pixels = rng.integers(0, 255, (1024, 1024, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(buffer, format="WEBP", quality=80)
            draft = Draft(GeneratedImage(buffer.getvalue(), "webp"), GenerationRequest(prompt=f"bench {n}"), "bench")
            started = time.perf_counter()
            pipeline.save(draft)
            times.append((time.perf_counter() - started) * 1000)
        services.database.dispose()
    return {
        "benchmark": "save path: 1 MP webp, thumbnail + 2 writes + insert (SQLite, local folder)",
        "median_ms": round(statistics.median(times), 1),
        "repeats": repeats,
    }


def run() -> list[dict[str, object]]:
    return [home_startup(), save_path()]


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
