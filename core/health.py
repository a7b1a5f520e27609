"""`python -m core check` and the Status page: is each configured part reachable?"""

from __future__ import annotations

import time
from collections.abc import Callable

from core.config import Settings
from core.errors import AppError
from core.models import ModelSource

Report = dict[str, object]


def _probe(probe: Callable[[], str]) -> Report:
    started = time.perf_counter()
    try:
        detail = probe()
        ok = True
    except AppError as exc:
        detail, ok = str(exc), False
    return {"ok": ok, "detail": detail, "ms": round((time.perf_counter() - started) * 1000, 1)}


def describe_source(source: ModelSource) -> str:
    if source.is_folder:
        return f"local folder {source.location}"
    cached = "in the local cache" if source.local_files_only else "downloads on first use"
    return f"hub id {source.location} ({cached})"


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
        from core.captioning import locate_caption_model
        from core.speech import locate_speech_model

        speech_engine, whisper, caption = settings.speech_engine, settings.whisper_model, settings.caption_model
        parts["speech_model"] = _probe(lambda: describe_source(locate_speech_model(speech_engine, whisper)))
        parts["caption_model"] = _probe(lambda: describe_source(locate_caption_model(caption)))
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
