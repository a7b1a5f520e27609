"""`python -m core check` and the Status page: is each configured part reachable?"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from core.config import Settings
from core.errors import AppError

Report = dict[str, object]


def _probe(probe: Callable[[], str]) -> Report:
    started = time.perf_counter()
    try:
        detail = probe()
        ok = True
    except AppError as exc:
        detail, ok = str(exc), False
    return {"ok": ok, "detail": detail, "ms": round((time.perf_counter() - started) * 1000, 1)}


def model_availability(model: str, *, setting: str) -> str:
    """Say where a model would load from, without loading it; raise if it cannot be found offline."""
    from core.errors import ModelLoadError

    path = Path(model).expanduser()
    if path.is_dir():
        return f"local folder {path}"
    if path.is_absolute() or model.startswith((".", "~")):
        raise ModelLoadError(f"{setting}={model} is not a folder. Point it at a saved model folder or a hub id.")
    if "/" not in model:  # a faster-whisper size name such as "tiny.en"
        return f"model size '{model}'"
    from huggingface_hub import try_to_load_from_cache

    cached = try_to_load_from_cache(model, "config.json")
    if isinstance(cached, str):
        return f"hub id {model} (in the local cache)"
    return f"hub id {model} (not cached yet: it downloads on first use)"


def check_all(settings: Settings, *, load_models: bool = False) -> Report:
    """Probe every part; `ok` is false if any configured part is unreachable."""
    from core.db import check_database, create_engine_for
    from core.services import build_generator, load_captioner_for, load_transcriber_for
    from core.storage import build_store

    engine = create_engine_for(settings.database_url)
    parts: dict[str, Report] = {
        "database": _probe(lambda: check_database(engine)),
        "storage": _probe(lambda: build_store(settings).check()),
    }
    if settings.replicate_api_token is None:
        parts["replicate"] = {"ok": False, "configured": False, "detail": "REPLICATE_API_TOKEN is not set"}
    else:
        parts["replicate"] = _probe(build_generator(settings).check)
    if load_models:
        parts["speech_model"] = _probe(lambda: load_transcriber_for(settings).model_id)
        parts["caption_model"] = _probe(lambda: load_captioner_for(settings).model_id)
    else:
        parts["speech_model"] = _probe(lambda: model_availability(settings.whisper_model, setting="WHISPER_MODEL"))
        parts["caption_model"] = _probe(lambda: model_availability(settings.caption_model, setting="CAPTION_MODEL"))
    engine.dispose()
    failing = [name for name, part in parts.items() if not part["ok"] and part.get("configured", True)]
    return {
        "ok": not failing,
        "failing": failing,
        "database_url": settings.database_description(),
        "storage_location": settings.storage_description(),
        "speech_engine": settings.speech_engine,
        **parts,
    }
