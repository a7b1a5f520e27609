"""Batched captions: 4 images at BLIP-base size in one generate() against one generate() per image.

Both through the app's own BlipCaptioner (random weights of BLIP-base's real shape, tests.fixtures.models),
alternating in one process so the machine's load is shared fairly. Target (issue 20): batched >= 1.6x.
Run from the repository root: `python -m bench.bench_captions` (prints JSON).
"""

from __future__ import annotations

import io
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
IMAGES = 4
# 15 tokens is a typical real caption; 30 is CAPTION_MAX_TOKENS's default, which a random model always reaches.
CAPTION_TOKENS = (15, 30)
ROUNDS = 3


def _images() -> list[bytes]:
    from PIL import Image

    out = []
    for i in range(IMAGES):
        buffer = io.BytesIO()
        Image.new("RGB", (512, 512), (i * 60, 255 - i * 60, 90)).save(buffer, format="PNG")
        out.append(buffer.getvalue())
    return out


def run() -> list[dict[str, Any]]:
    sys.path.insert(0, str(ROOT))
    return [_measure(tokens) for tokens in CAPTION_TOKENS]


def _measure(tokens: int) -> dict[str, Any]:
    import torch

    from tests.fixtures.models import blip_base_size_captioner

    captioner = blip_base_size_captioner(max_new_tokens=tokens)
    in_bfloat16 = blip_base_size_captioner(max_new_tokens=tokens, precision="bfloat16")  # CAPTION_PRECISION
    images = _images()
    one_by_one: list[float] = []
    batched: list[float] = []
    batched_bf16: list[float] = []
    same = True
    for _ in range(ROUNDS):
        started = time.perf_counter()
        singles = [captioner.caption(image) for image in images]
        one_by_one.append(time.perf_counter() - started)
        started = time.perf_counter()
        together = captioner.caption_many(images)
        batched.append(time.perf_counter() - started)
        started = time.perf_counter()
        together_bf16 = in_bfloat16.caption_many(images)
        batched_bf16.append(time.perf_counter() - started)
        same = same and singles == together and len(together_bf16) == len(together)
    single_s, batch_s = statistics.median(one_by_one), statistics.median(batched)
    bf16_s = statistics.median(batched_bf16)
    return {
        "benchmark": "captions",
        "images": IMAGES,
        "tokens": tokens,
        "torch_threads": torch.get_num_threads(),
        "rounds": ROUNDS,
        "one_by_one_median_s": round(single_s, 2),
        "batched_median_s": round(batch_s, 2),
        "speed_up": round(single_s / batch_s, 2),
        "same_captions": same,
        "bfloat16_batched_median_s": round(bf16_s, 2),
        "bfloat16_batched_vs_one_by_one": round(single_s / bf16_s, 2),
        "bfloat16_encoder_error_percent": round(100 * _encoder_drift(captioner, in_bfloat16, images), 2),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def _encoder_drift(float32: Any, bfloat16: Any, images: list[bytes]) -> float:
    """How far bfloat16 moves the vision encoder's output from float32 (same random weights, seed 0): the random
    model writes the same word for every image, so equal captions would say nothing about the drift."""
    import torch
    from PIL import Image

    pixels = float32._preprocess([Image.open(io.BytesIO(image)).convert("RGB") for image in images])
    with torch.inference_mode():
        exact = float32._model.vision_model(pixel_values=pixels)[0].float()
        rounded = bfloat16._model.vision_model(pixel_values=pixels.to(torch.bfloat16))[0].float()
    return float((exact - rounded).norm() / exact.norm())


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
