"""The composition root: real adapters built from Settings, models loaded lazily and once.

The only module that builds adapters; `core.app.health` and `core.cli.commands` take theirs from here too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.app.lazy import Lazy
from core.config.settings import Settings
from core.domain.drafts import DraftStore
from core.domain.meaning import RecordVectors
from core.domain.ports import (
    Captioner,
    Database,
    Embedder,
    ImageEditor,
    ImageGenerator,
    ImageRecords,
    ImageStore,
    PromptModel,
    Transcriber,
)
from core.domain.sharing import ShareLinks
from core.domain.sign_in_budget import AccessLedger

# Adapters are imported where they are built, not here: `python -m core transcribe` goes through this module
# and would otherwise pay for SQLAlchemy, boto3, Pillow and the Replicate client (about 0.6 s) it never uses.
if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from core.app.edit import Editing
    from core.app.meaning import EmbedOnSave
    from core.app.pipeline import Pipeline
    from core.app.prompt_assistant import PromptAssistant
    from core.captioning.blip_replicate import ReplicateCaptioner
    from core.embedding.minilm import Runtime
    from core.embedding.mpnet_replicate import ReplicateEmbedder
    from core.models.loading import ModelSource
    from core.replicate.client import ReplicateModel
    from core.replicate.flux import ReplicateGenerator
    from core.replicate.prompt_model import ReplicatePromptModel
    from core.replicate.task import ModelTask
    from core.speech.whisper_replicate import ReplicateTranscriber
    from core.storage.url_cache import PresignedUrlCache


def _build_engine(settings: Settings) -> Engine:
    from core.db.engine import create_engine_for

    return create_engine_for(settings.database_url)


def migrate_database(settings: Settings) -> None:
    """`python -m core migrate`: bring the configured database's schema up to date."""
    database = build_database(settings)
    try:
        database.migrate()
    finally:
        database.dispose()


def build_database(settings: Settings) -> Database:
    """DATABASE_URL's database behind the Database port: checks, migrations, closing its connections."""
    from core.db.engine import SqlDatabase

    return SqlDatabase(_build_engine(settings))


def speech_model_source(settings: Settings) -> ModelSource:
    """Where the local speech engine's WHISPER_MODEL loads from, without loading it."""
    from core.speech.sources import locate_speech_model

    return locate_speech_model(settings.speech_engine, settings.whisper_model)


def caption_model_source(settings: Settings) -> ModelSource:
    """Where CAPTION_MODEL loads from, without loading it."""
    from core.captioning.blip import locate_caption_model

    return locate_caption_model(settings.caption_model)


def build_image_store(settings: Settings) -> ImageStore:
    """Spaces when SPACES_* are set, otherwise the folder DATA_DIR/images."""
    if settings.spaces is not None:
        from core.storage.spaces import SpacesStore

        return SpacesStore(settings.spaces)
    from core.storage.local import LocalStore

    return LocalStore(settings.images_dir)


def _local_transcriber(settings: Settings, *, warm_up: bool = True) -> Transcriber:
    from core.speech.whisper import load_transcriber  # torch or CTranslate2 come in only here

    return load_transcriber(
        engine=settings.speech_engine,
        model=settings.whisper_model,
        device=settings.model_device,
        threads=settings.model_threads,
        beam_size=settings.whisper_beam_size,
        warm_up=warm_up,
    )


def _local_captioner(settings: Settings) -> Captioner:
    from core.captioning.blip import load_captioner  # torch and transformers come in only here

    return load_captioner(
        model=settings.caption_model,
        device=settings.model_device,
        max_new_tokens=settings.caption_max_tokens,
        threads=settings.model_threads,
        precision=settings.caption_precision,
    )


def replicate_model(settings: Settings, model: str, task: ModelTask, *, by_version: bool = False) -> ReplicateModel:
    """One Replicate model with the REPLICATE_* settings; official models run by name, community ones by version."""
    from core.replicate.client import ReplicateModel

    return ReplicateModel(
        api_token=settings.replicate_api_token,
        model=model,
        task=task,
        by_version=by_version,
        base_url=settings.replicate_base_url,
        timeout_s=settings.replicate_timeout_s,
        max_retries=settings.replicate_max_retries,
    )


def remote_transcriber(settings: Settings) -> ReplicateTranscriber:
    from core.speech.whisper_replicate import SPEECH_TASK, ReplicateTranscriber

    # Community models run by version: their latest one, asked once per process.
    return ReplicateTranscriber(
        replicate_model(settings, settings.replicate_speech_model, SPEECH_TASK, by_version=True)
    )


def remote_captioner(settings: Settings) -> ReplicateCaptioner:
    from core.captioning.blip_replicate import CAPTION_TASK, ReplicateCaptioner

    return ReplicateCaptioner(
        replicate_model(settings, settings.replicate_caption_model, CAPTION_TASK, by_version=True)
    )


def remote_embedder(settings: Settings) -> ReplicateEmbedder:
    """EMBEDDING_MODEL on Replicate; the local default's name stands for the hosted default there."""
    from core.embedding.mpnet_replicate import EMBEDDING_TASK, ReplicateEmbedder

    return ReplicateEmbedder(replicate_model(settings, settings.embedding_model_id, EMBEDDING_TASK, by_version=True))


def embedding_model_runtime(settings: Settings) -> tuple[ModelSource, Runtime]:
    """Where the local EMBEDDING_MODEL loads from, and which path runs it (numpy or transformers) and why."""
    from core.embedding.minilm import choose_runtime, locate_embedding_model

    source = locate_embedding_model(settings.embedding_model)
    return source, choose_runtime(source, device=settings.model_device)


def load_embedder_for(settings: Settings) -> Embedder:
    """The embedder of search by meaning: local unless CAPTION_ENGINE=replicate says this server has no torch."""
    if settings.caption_engine == "replicate":
        return remote_embedder(settings)
    from core.embedding.minilm import load_embedder  # numpy, or for other models torch, comes in only here

    return load_embedder(model=settings.embedding_model, device=settings.model_device, threads=settings.model_threads)


# SPEECH_ENGINE and CAPTION_ENGINE name one of these loaders (config.py lists the same names).
SPEECH_LOADERS: dict[str, Callable[[Settings], Transcriber]] = {
    "transformers": _local_transcriber,
    "faster-whisper": _local_transcriber,
    "replicate": remote_transcriber,
}
CAPTION_LOADERS: dict[str, Callable[[Settings], Captioner]] = {
    "transformers": _local_captioner,
    "replicate": remote_captioner,
}


def load_transcriber_for(settings: Settings, *, warm_up: bool = True) -> Transcriber:
    """The configured speech engine, ready to transcribe (a local model is loaded, and warmed up if asked)."""
    if SPEECH_LOADERS[settings.speech_engine] is _local_transcriber:
        return _local_transcriber(settings, warm_up=warm_up)
    return SPEECH_LOADERS[settings.speech_engine](settings)


def load_captioner_for(settings: Settings) -> Captioner:
    """The configured caption engine, ready to caption (a local model is loaded and warmed up)."""
    return CAPTION_LOADERS[settings.caption_engine](settings)


def build_generator(settings: Settings) -> ReplicateGenerator:
    from core.replicate.flux import IMAGE_TASK, ReplicateGenerator

    return ReplicateGenerator(replicate_model(settings, settings.image_model, IMAGE_TASK))


def require_replicate_token(settings: Settings) -> None:
    """A missing token is a setting to give (exit 2 on the command line), found before anything is paid."""
    from core.domain.errors import InvalidSetting
    from core.replicate.task import NO_TOKEN

    token = settings.replicate_api_token
    if token is None or not token.reveal().strip():
        raise InvalidSetting(NO_TOKEN)


def build_editor(settings: Settings) -> ImageEditor:
    from core.replicate.kontext import EDIT_TASK, ReplicateEditor

    return ReplicateEditor(replicate_model(settings, settings.image_edit_model, EDIT_TASK))


def build_prompt_model(settings: Settings) -> ReplicatePromptModel:
    """PROMPT_MODEL: an official model, so run by name (no version lookup), like the image model."""
    from core.replicate.prompt_model import PROMPT_TASK, ReplicatePromptModel

    return ReplicatePromptModel(replicate_model(settings, settings.prompt_model, PROMPT_TASK))


def build_assistant(settings: Settings, model: PromptModel | None = None) -> PromptAssistant:
    """Translation and prompt improvement with PROMPT_MODEL, PROMPT_TEMPLATE and TRANSLATE_PROMPTS."""
    from core.app.prompt_assistant import PromptAssistant
    from core.domain.prompt_rewrites import default_template

    return PromptAssistant(
        model=model or build_prompt_model(settings),
        template=settings.prompt_template or default_template(),
        max_prompt_chars=settings.max_prompt_chars,
        auto_translate=settings.translate_prompts == "auto",
    )


@dataclass
class Services:
    """Everything a page or a command needs, wired once per process: ports, never the adapters behind them.

    The record ports go to the use cases in `core.app.gallery` (and the pipeline); nothing else calls them.
    """

    settings: Settings
    database: Database  # reachable?, migrations, closing connections; the engine stays behind it
    store: ImageStore
    records: ImageRecords
    access: AccessLedger  # the shared-password budget and signed-out passes
    shares: ShareLinks  # links for people without the password (core.app.sharing)
    generator: ImageGenerator
    transcriber: Callable[[], Transcriber]
    captioner: Callable[[], Captioner]
    vectors: RecordVectors  # the records' search vectors (pgvector's index when the database has one)
    embedder: Callable[[], Embedder]  # EMBEDDING_MODEL, loaded on first use
    prompt_model: PromptModel | None = None  # None: PROMPT_MODEL on Replicate
    drafts: DraftStore | None = None  # paid images not saved yet; None: kept in memory only
    embed_on_save: EmbedOnSave = field(init=False)
    urls: PresignedUrlCache = field(init=False)
    assistant: PromptAssistant = field(init=False)
    pipeline: Pipeline = field(init=False)  # built once here; dataclasses.replace builds a new one
    editing: Editing = field(init=False)  # "Change this image", through the same pipeline

    def migrate(self) -> None:
        """Bring the database schema up to date (safe to call from several processes at once)."""
        self.database.migrate()

    def __post_init__(self) -> None:
        from core.app.edit import Editing
        from core.app.meaning import EmbedOnSave
        from core.app.pipeline import Pipeline
        from core.storage.url_cache import PresignedUrlCache

        self.embed_on_save = EmbedOnSave(self.vectors, self.embedder)

        self.urls = PresignedUrlCache(self.store, self.settings.presigned_url_ttl)
        self.assistant = build_assistant(self.settings, self.prompt_model)
        self.pipeline = Pipeline(
            store=self.store,
            records=self.records,
            generator=self.generator,
            transcriber=self.transcriber,
            captioner=self.captioner,
            max_prompt_chars=self.settings.max_prompt_chars,
            max_audio_seconds=self.settings.max_audio_seconds,
            max_audio_bytes=self.settings.max_upload_bytes,
            drafts=self.drafts,
            on_saved=self.embed_on_save,
        )
        self.editing = Editing(pipeline=self.pipeline, editor=build_editor(self.settings))


def build_services(
    settings: Settings,
    *,
    transcriber: Callable[[], Transcriber] | None = None,
    captioner: Callable[[], Captioner] | None = None,
    embedder: Callable[[], Embedder] | None = None,
    run_migrations: bool = True,
) -> Services:
    """Wire real adapters; callers (the UI's resource cache) may pass their own model providers."""
    from core.db.access_ledger import SqlAccessLedger
    from core.db.drafts import SqlDrafts
    from core.db.embeddings import SqlRecordVectors
    from core.db.engine import SqlDatabase, migrate
    from core.db.repository import RecordRepository
    from core.db.share_links import SqlShareLinks

    engine = _build_engine(settings)
    if run_migrations:
        migrate(engine)
    return Services(
        settings=settings,
        database=SqlDatabase(engine),
        store=build_image_store(settings),
        records=RecordRepository(engine),
        access=SqlAccessLedger(engine),
        shares=SqlShareLinks(engine),
        generator=build_generator(settings),
        transcriber=transcriber or Lazy(lambda: load_transcriber_for(settings)),
        captioner=captioner or Lazy(lambda: load_captioner_for(settings)),
        drafts=SqlDrafts(engine),
        vectors=SqlRecordVectors(engine),
        embedder=embedder or Lazy(lambda: load_embedder_for(settings)),
    )
