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
    from core.services import build_generator
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
    parts["speech_model"] = _probe(lambda: _speech_model(settings, load=load_models))
    parts["caption_model"] = _probe(lambda: _caption_model(settings, load=load_models))
    engine.dispose()
    failing = [name for name, part in parts.items() if not part["ok"] and part.get("configured", True)]
    return {
        "ok": not failing,
        "failing": failing,
        "database_url": settings.database_description(),
        "storage_location": settings.storage_description(),
        "speech_engine": settings.speech_engine,
        "caption_engine": settings.caption_engine,
        **parts,
    }


def _speech_model(settings: Settings, *, load: bool) -> str:
    """A remote engine asks Replicate for its model; a local one says where it loads from (or loads it)."""
    from core.services import load_transcriber_for, remote_transcriber

    if settings.speech_engine == "replicate":  # the account, the model and its latest version
        return f"on Replicate: {remote_transcriber(settings).check()}"
    if load:
        return load_transcriber_for(settings).model_id
    from core.speech import locate_speech_model

    return describe_source(locate_speech_model(settings.speech_engine, settings.whisper_model))


def _caption_model(settings: Settings, *, load: bool) -> str:
    from core.services import load_captioner_for, remote_captioner

    if settings.caption_engine == "replicate":
        return f"on Replicate: {remote_captioner(settings).check()}"
    if load:
        return load_captioner_for(settings).model_id
    from core.captioning import locate_caption_model

    return describe_source(locate_caption_model(settings.caption_model))
