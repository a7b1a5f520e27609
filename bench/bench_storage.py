"""Storage benchmarks against an S3 endpoint: URL signing with and without reuse, and one save.

Run from the repository root: `python -m bench.bench_storage` (starts its own moto server, prints JSON).
"""

from __future__ import annotations

import io
import json
import random
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

from PIL import Image, ImageFilter

from core.app.images import make_thumbnail, new_object_keys
from core.config.settings import Secret, SpacesSettings
from core.storage.spaces import SpacesStore
from core.storage.url_cache import PresignedUrlCache

URLS_PER_PAGE = 50  # thumbnails on one History page
SIGN_REPEATS = 30
SAVE_REPEATS = 10


def run(endpoint_url: str) -> list[dict[str, Any]]:
    """Median timings against `endpoint_url` (any S3 endpoint accepting key "testing"), one row per benchmark."""
    settings = SpacesSettings(
        key="testing",
        secret=Secret("testing-secret"),
        bucket=f"bench-{uuid.uuid4().hex[:12]}",
        region="us-east-1",
        endpoint=endpoint_url.rstrip("/"),
    )
    _create_bucket(settings)
    store = SpacesStore(settings)
    return [_signing(store), _saving(store)]


def _create_bucket(settings: SpacesSettings) -> None:
    import boto3

    boto3.session.Session().client(
        "s3",
        endpoint_url=settings.endpoint,
        region_name=settings.region,
        aws_access_key_id=settings.key,
        aws_secret_access_key=settings.secret.reveal(),
    ).create_bucket(Bucket=settings.bucket)


def _signing(store: SpacesStore) -> dict[str, Any]:
    keys = [f"thumbnails/{uuid.uuid4()}.webp" for _ in range(URLS_PER_PAGE)]
    fresh = _median_ms(lambda: [store.url(key, 3600) for key in keys], SIGN_REPEATS)
    cache = PresignedUrlCache(store, 3600)
    for key in keys:  # first pass signs; the page's reruns are what the cache is for
        cache.url(key)
    cached = _median_ms(lambda: [cache.url(key) for key in keys], SIGN_REPEATS)
    return {
        "benchmark": f"sign {URLS_PER_PAGE} URLs",
        "median_ms": round(fresh, 3),
        "cached_median_ms": round(cached, 3),
        "speedup": round(fresh / cached, 1) if cached else None,
    }


def _saving(store: SpacesStore) -> dict[str, Any]:
    image = _sample_webp()
    thumbnail_times: list[float] = []

    def save() -> None:
        started = time.perf_counter()
        thumbnail = make_thumbnail(image)
        thumbnail_times.append((time.perf_counter() - started) * 1000)
        image_key, thumbnail_key = new_object_keys("webp")
        store.put(image_key, image, "image/webp")
        store.put(thumbnail_key, thumbnail, "image/webp")

    total = _median_ms(save, SAVE_REPEATS)
    return {
        "benchmark": "save image + thumbnail",
        "median_ms": round(total, 1),
        "thumbnail_median_ms": round(statistics.median(thumbnail_times), 1),
        "image_kb": round(len(image) / 1024),
        "thumbnail_kb": round(len(make_thumbnail(image)) / 1024, 1),
    }


def _sample_webp() -> bytes:
    """A 1024x1024 WebP of about 300 KB, like a FLUX output: smooth noise compresses about as badly."""
    noise = Image.frombytes("RGB", (256, 256), random.Random(7).randbytes(256 * 256 * 3))
    image = noise.resize((1024, 1024), Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(1))
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", quality=80)
    return buffer.getvalue()


def _median_ms(action: Callable[[], object], repeats: int) -> float:
    action()  # warm-up: connection pool, lazy imports
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def run_with_own_server() -> list[dict[str, Any]]:
    """`run` against a ThreadedMotoServer started (and stopped) here."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        return run(f"http://{host}:{port}")
    finally:
        server.stop()


if __name__ == "__main__":
    print(json.dumps(run_with_own_server(), indent=2))
