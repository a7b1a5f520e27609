"""`python -m core check` and the Status page: is each configured part reachable?"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

from core.config.settings import DEFAULT_SPEECH_ENGINE, Settings
from core.domain.errors import AppError
from core.models.loading import ModelSource

PARTS = ("database", "storage", "replicate", "speech_model", "caption_model", "embedding_model")


@dataclass(frozen=True)
class PartReport:
    """One part's answer; a part that is not configured (`configured=False`) does not make the report fail."""

    ok: bool
    detail: str
    ms: float | None = None
    configured: bool = True
    facts: dict[str, object] = field(default_factory=dict)  # said beside the detail in `check`'s JSON

    @property
    def failing(self) -> bool:
        return self.configured and not self.ok


@dataclass(frozen=True)
class HealthReport:
    database_url: str
    storage_location: str
    speech_engine: str
    caption_engine: str
    parts: dict[str, PartReport] = field(default_factory=dict)  # keyed by the names in PARTS

    @property
    def failing(self) -> list[str]:
        return [name for name, part in self.parts.items() if part.failing]

    @property
    def ok(self) -> bool:
        return not self.failing

    def to_json(self) -> dict[str, object]:
        """The shape `python -m core check` prints: summary keys, then one object per part."""
        parts: dict[str, object] = {}
        for name, part in self.parts.items():
            data = asdict(part)
            data.update(data.pop("facts"))
            if part.ms is None:
                del data["ms"]
            if part.configured:
                del data["configured"]  # said only when a part is deliberately not set up
            parts[name] = data
        return {
            "ok": self.ok,
            "failing": self.failing,
            "database_url": self.database_url,
            "storage_location": self.storage_location,
            "speech_engine": self.speech_engine,
            "caption_engine": self.caption_engine,
            **parts,
        }


def _probe(probe: Callable[[], str]) -> PartReport:
    started = time.perf_counter()
    try:
        detail = probe()
        ok = True
    except AppError as exc:
        detail, ok = str(exc), False
    return PartReport(ok=ok, detail=detail, ms=round((time.perf_counter() - started) * 1000, 1))


def describe_source(source: ModelSource) -> str:
    if source.is_folder:
        return f"local folder {source.location}"
    cached = "in the local cache" if source.local_files_only else "downloads on first use"
    return f"hub id {source.repo or source.location} ({cached})"


def speech_engine_words(settings: Settings) -> str:
    """Which engine transcribes, and how to switch: `check` and Home say the same words."""
    if settings.speech_engine == DEFAULT_SPEECH_ENGINE:
        return f"{DEFAULT_SPEECH_ENGINE} engine (the default; SPEECH_ENGINE=transformers switches to transformers)"
    return f"{settings.speech_engine} engine (set by SPEECH_ENGINE; the default is {DEFAULT_SPEECH_ENGINE})"


def check_all(settings: Settings, *, load_models: bool = False) -> HealthReport:
    """Probe every part; the report is not `ok` if any configured part is unreachable."""
    from core.app.services import build_database, build_generator, build_image_store

    database = build_database(settings)
    parts = {
        "database": _probe(database.check),
        "storage": _probe(lambda: build_image_store(settings).check()),
    }
    if settings.replicate_api_token is None:
        parts["replicate"] = PartReport(ok=False, detail="REPLICATE_API_TOKEN is not set", configured=False)
    else:
        parts["replicate"] = _probe(lambda: build_generator(settings).check())
    parts["speech_model"] = _probe(lambda: _speech_model(settings, load=load_models))
    parts["caption_model"] = _probe(lambda: _caption_model(settings, load=load_models))
    parts["embedding_model"] = _embedding_model(settings, load=load_models, database_ok=parts["database"].ok)
    database.dispose()
    return HealthReport(
        database_url=settings.database_description(),
        storage_location=settings.storage_description(),
        speech_engine=settings.speech_engine,
        caption_engine=settings.caption_engine,
        parts=parts,
    )


def _speech_model(settings: Settings, *, load: bool) -> str:
    """A remote engine asks Replicate for its model; a local one says where it loads from (or loads it)."""
    from core.app.services import load_transcriber_for, remote_transcriber, speech_model_source

    if settings.speech_engine == "replicate":  # the account, the model and its latest version
        return f"on Replicate: {remote_transcriber(settings).check()}"
    if load:
        return f"{load_transcriber_for(settings).model_id} loaded, {speech_engine_words(settings)}"
    return f"{describe_source(speech_model_source(settings))}, {speech_engine_words(settings)}"


def _caption_model(settings: Settings, *, load: bool) -> str:
    from core.app.services import caption_model_source, load_captioner_for, remote_captioner

    if settings.caption_engine == "replicate":
        return f"on Replicate: {remote_captioner(settings).check()}"
    found = load_captioner_for(settings).model_id if load else describe_source(caption_model_source(settings))
    return found if settings.caption_precision == "auto" else f"{found}, in {settings.caption_precision}"


def _embedding_model(settings: Settings, *, load: bool, database_ok: bool) -> PartReport:
    """The model, the path that runs it (numpy, transformers or Replicate), whether it loads, what waits for it.

    The numpy path loads in about a second, so `check` always tries it; transformers (torch) only with
    --load-models, like the other models.
    """
    from core.app.services import embedding_model_runtime, load_embedder_for, remote_embedder

    facts: dict[str, object] = {"model": settings.embedding_model_id, "runtime": None, "loaded": None}

    def probe() -> str:
        if settings.caption_engine == "replicate":
            facts["runtime"] = "replicate"
            return f"on Replicate: {remote_embedder(settings).check()}"
        source, runtime = embedding_model_runtime(settings)
        facts["runtime"] = runtime.name
        if not (load or runtime.name == "numpy"):
            return f"{describe_source(source)}, {runtime.describe()}"
        loaded = load_embedder_for(settings).runtime  # a model downloaded just now is decided only now
        facts["runtime"], facts["loaded"] = loaded, True
        path = runtime.describe() if loaded == runtime.name else f"{loaded} path"
        return f"{describe_source(source)}, loaded, {path}"

    report = _probe(probe)
    if not report.ok and facts["runtime"] != "replicate":  # not found, or found and failed to load
        facts["loaded"] = False
    facts["waiting_for_reindex"] = _waiting_for_reindex(settings) if database_ok else None
    waiting = facts["waiting_for_reindex"]
    detail = report.detail if not waiting else f"{report.detail}; {waiting} records wait for `python -m core reindex`"
    return replace(report, detail=detail, facts=facts)


def _waiting_for_reindex(settings: Settings) -> int | None:
    """Records without a vector for the model in use; None when the database cannot say (its part tells why)."""
    from core.app.meaning import waiting_count
    from core.app.services import build_services

    try:
        current = build_services(settings, run_migrations=False)
    except AppError:
        return None
    try:
        return waiting_count(current.vectors, settings.embedding_model_id)
    except AppError:
        return None
    finally:
        current.database.dispose()
