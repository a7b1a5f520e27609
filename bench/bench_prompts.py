"""The prompt steps (translate to English, improve prompt) and the default model's language detection.

Latency: what each prompt step adds to a create, measured through the app's own code (PromptAssistant, the
shared Replicate client, HTTP, JSON) against the local fake Replicate, which answers at once: so this is the
app's own part, not Replicate's queue or the model's time. The first call of a process (client imports,
connection) is reported apart from the median of the rest. A create's pipeline overhead with both steps
(fake models everywhere) is compared with the same create without them.

Language detection: real whisper-base (the default WHISPER_MODEL) on the committed German, Spanish and
French espeak-ng clips, through both local engines (faster-whisper's folder and its transformers rebuild),
loaded by the app's own loader; whether the detected language is the spoken one, and the first words heard.
Run from the repository root: `python -m bench prompts`.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

REPEATS = 25
CREATES = 15
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
    """Median create (fake transcriber and captioner, fake Replicate, SQLite, local folder) with and without steps."""
    from core.app.assist import PromptSteps
    from core.app.services import build_services
    from core.domain.ports import GenerationRequest
    from tests.fakes import FakeCaptioner, FakeTranscriber, tone
    from tests.fixtures.replicate_server import start_fake_replicate

    fake, server = start_fake_replicate()
    audio = tone(1.0)
    rows = []
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
            for seed_base, (name, steps) in enumerate(variants.items()):
                times = []
                for i in range(CREATES + 1):
                    request = GenerationRequest(prompt="", seed=seed_base * 1000 + i)
                    started = time.perf_counter()
                    services.pipeline.create(request, audio=audio, steps=steps, save=False)
                    if i:  # the first create of a variant warms its code paths
                        times.append(_ms(started))
                rows.append({"benchmark": "create_with_prompt_steps", "variant": name,
                             "median_create_ms": round(statistics.median(times), 1), "creates": CREATES})  # fmt: skip
            services.engine.dispose()
    finally:
        server.shutdown()
        server.server_close()
    base = rows[0]["median_create_ms"]
    for row in rows:
        row["added_ms"] = round(row["median_create_ms"] - base, 1)
    return rows


def _language_detection() -> list[dict[str, Any]]:
    from core.speech.audio import decode_audio
    from core.speech.whisper import load_transcriber
    from tests.fixtures.models import multilingual_clips
    from tests.fixtures.whisper_base import faster_whisper_base_dir, transformers_whisper_base_dir

    folders = {"faster-whisper": faster_whisper_base_dir(), "transformers": transformers_whisper_base_dir()}
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
