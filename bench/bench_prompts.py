"""The prompt steps (translate to English, improve prompt) and the default model's language detection.

Latency: what each prompt step adds to a create, measured through the app's own code (PromptAssistant, the
shared Replicate client, HTTP, JSON) against the local fake Replicate, which answers at once: so this is the
app's own part, not Replicate's queue or the model's time. The first call of a process (client imports,
connection) is reported apart from the median of the rest. A create's pipeline overhead with both steps
(fake models everywhere) is compared with the same create without them.

Language detection: real whisper-base (the default WHISPER_MODEL) on the committed German, Spanish and
French espeak-ng clips, through faster-whisper (beam 5, int8), loaded by the app's own loader: whether the
detected language is the spoken one, and the first words heard.
Run from the repository root: `python -m bench prompts`.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

REPEATS = 25
CREATES = 20
TEXT = "Ein roter Fuchs schläft im tiefen Schnee."


def run() -> list[dict[str, Any]]:
    return _step_latency() + _create_overhead() + _language_detection()


def _settings(fake: Any, data_dir: Path) -> Any:
    from core.config.settings import load_settings

    values = {"REPLICATE_API_TOKEN": fake.token, "REPLICATE_BASE_URL": fake.base_url, "DATA_DIR": str(data_dir)}
    return load_settings(values, dotenv_path=None)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def _step_latency() -> list[dict[str, Any]]:
    from core.app.services import build_assistant
    from tests.fixtures.replicate_server import start_fake_replicate

    fake, server = start_fake_replicate()
    rows = []
    try:
        with tempfile.TemporaryDirectory() as scratch:
            assistant = build_assistant(_settings(fake, Path(scratch)))
            steps = {
                "translate": lambda: assistant.translate(TEXT, language="de"),
                "improve_prompt": lambda: assistant.improve("A red fox sleeps in deep snow."),
            }
            for name, step in steps.items():
                started = time.perf_counter()
                step()
                first = _ms(started)
                times = []
                for _ in range(REPEATS):
                    started = time.perf_counter()
                    step()
                    times.append(_ms(started))
                rows.append(
                    {
                        "benchmark": "prompt_step_latency",
                        "step": name,
                        "first_call_ms": round(first, 1),
                        "median_ms": round(statistics.median(times), 1),
                        "p90_ms": round(sorted(times)[int(0.9 * len(times)) - 1], 1),
                        "calls": REPEATS,
                    }
                )
    finally:
        server.shutdown()
        server.server_close()
    return rows


def _create_overhead() -> list[dict[str, Any]]:
    """Median create (fake transcriber and captioner, fake Replicate, no save) with and without the steps.

    The variants take turns, round after round, so a busy machine slows each of them alike."""
    from core.app.prompt_assistant import PromptSteps
    from core.app.services import build_services
    from core.domain.ports import GenerationRequest
    from tests.fakes import FakeCaptioner, FakeTranscriber, tone
    from tests.fixtures.replicate_server import start_fake_replicate

    fake, server = start_fake_replicate()
    audio = tone(1.0)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            transcriber = FakeTranscriber(text=TEXT, language="de")
            services = build_services(_settings(fake, Path(scratch)), transcriber=lambda: transcriber,
                                      captioner=FakeCaptioner)  # fmt: skip
            variants = {
                "no prompt steps": None,
                "translate": PromptSteps(services.assistant, translate=True),
                "translate + improve": PromptSteps(services.assistant, translate=True, improve=True),
            }
            times: dict[str, list[float]] = {name: [] for name in variants}
            for round_number in range(CREATES + 1):
                for index, (name, steps) in enumerate(variants.items()):
                    request = GenerationRequest(prompt="", seed=round_number * 10 + index)
                    started = time.perf_counter()
                    services.pipeline.create(request, audio=audio, steps=steps, save=False)
                    if round_number:  # the first round warms every code path up
                        times[name].append(_ms(started))
            services.database.dispose()
    finally:
        server.shutdown()
        server.server_close()
    base = statistics.median(times["no prompt steps"])
    return [
        {
            "benchmark": "create_with_prompt_steps",
            "variant": name,
            "median_create_ms": round(statistics.median(values), 1),
            "added_ms": round(statistics.median(values) - base, 1),
            "creates": len(values),
        }
        for name, values in times.items()
    ]


def _language_detection() -> list[dict[str, Any]]:
    from core.speech.audio import decode_audio
    from core.speech.whisper import load_transcriber
    from tests.fixtures.models import multilingual_clips
    from tests.fixtures.whisper_base import faster_whisper_base_dir

    # faster-whisper only: through transformers the same weights heard fr_forest as Thai and repeated one word
    # until the 448-token limit, which took 727 s on a busy 2-core machine (docs/benchmarks.md).
    folders = {"faster-whisper": faster_whisper_base_dir()}
    rows: list[dict[str, Any]] = []
    summary = []
    for engine, folder in folders.items():
        transcriber = load_transcriber(engine=engine, model=str(folder), threads=2)
        right = 0
        for clip in multilingual_clips():
            started = time.perf_counter()
            transcript = transcriber.transcribe(decode_audio(clip["path"].read_bytes(), filename=clip["file"]))
            ok = transcript.language == clip["language"]
            right += ok
            rows.append(
                {
                    "benchmark": "language_detection",
                    "engine": engine,
                    "clip": clip["file"],
                    "spoken": clip["language"],
                    "detected": transcript.language,
                    "right": ok,
                    "heard": transcript.text[:60],
                    "ms": round(_ms(started), 1),
                }
            )
        summary.append({"benchmark": "language_detection_accuracy", "engine": engine, "model": "whisper-base",
                        "right": right, "clips": len(multilingual_clips()),
                        "accuracy": round(right / len(multilingual_clips()), 2)})  # fmt: skip
    return rows + summary


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2, ensure_ascii=False))
