"""Settings: process environment, then `.env`, then Streamlit secrets, then embedded defaults.

Seed variable names stay as the Gradio app had them. A half-given database or Spaces
configuration is an error naming what is missing, never a silent fall-back to the defaults.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path

from dotenv import dotenv_values

from core.config.database_url import checked_database_url, database_url_secrets, mask_database_url
from core.config.specs import (
    CAPTION_ENGINES,
    CAPTION_PRECISIONS,
    DB_VARIABLES,
    MAX_BEAM_SIZE,
    MAX_PRESIGNED_URL_TTL,
    MODEL_DEVICES,
    SETTINGS,
    SPACES_VARIABLES,
    SPEECH_ENGINES,
    TRANSLATE_MODES,
    configuration_table,
)
from core.config.values import Secret
from core.config.values import positive_int as _positive_int
from core.domain.errors import ConfigError

__all__ = [
    "CAPTION_ENGINES",
    "CAPTION_PRECISIONS",
    "DB_VARIABLES",
    "MAX_BEAM_SIZE",
    "MAX_PRESIGNED_URL_TTL",
    "MODEL_DEVICES",
    "SPACES_VARIABLES",
    "SPEECH_ENGINES",
    "TRANSLATE_MODES",
    "ConfigError",
    "Secret",
    "Settings",
    "SpacesSettings",
    "load_settings",
]

# faster-whisper is the default: on the project's accuracy bench (beam 5) it had fewer word errors, beam
# search cost it 1.17x greedy against 1.91x on transformers, and it loads 6x sooner in a third of the memory.
DEFAULT_SPEECH_ENGINE = "faster-whisper"
# whisper-base in each engine's own format: faster-whisper's size name stands for the CTranslate2 conversion
# (Systran/faster-whisper-base), so a fresh machine downloads that rather than the transformers checkpoint.
DEFAULT_WHISPER_MODELS = {"faster-whisper": "base", "transformers": "openai/whisper-base", "replicate": "base"}
# Limits on what a user may send; the defaults of MAX_AUDIO_SECONDS and MAX_UPLOAD_MB. Every upload,
# from anyone, arrives before the password gate runs, so the upload limit is what 300 s of audio
# needs: a 300 s browser recording (16 kHz mono 16-bit WAV) is 9.2 MB. .streamlit/config.toml's
# server.maxUploadSize must equal MAX_UPLOAD_MB (a test checks).
MAX_AUDIO_SECONDS = 300
MAX_UPLOAD_MB = 10
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 2**20
EMBEDDED_DATABASE_PREFIX = "sqlite:///"


@dataclass(frozen=True)
class SpacesSettings:
    key: str
    secret: Secret
    bucket: str
    region: str
    endpoint: str


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    spaces: SpacesSettings | None = None
    replicate_api_token: Secret | None = None
    replicate_base_url: str | None = None
    image_model: str = "black-forest-labs/flux-schnell"
    image_edit_model: str = "black-forest-labs/flux-kontext-pro"
    speech_engine: str = DEFAULT_SPEECH_ENGINE
    whisper_model: str = DEFAULT_WHISPER_MODELS[DEFAULT_SPEECH_ENGINE]
    whisper_beam_size: int = 5
    caption_engine: str = "transformers"
    caption_model: str = "Salesforce/blip-image-captioning-base"
    replicate_speech_model: str = "openai/whisper"
    replicate_caption_model: str = "salesforce/blip"
    embedding_model: str = "sentence-transformers/all-MiniLM-L6-v2"
    prompt_model: str = "meta/meta-llama-3-8b-instruct"
    translate_prompts: str = "auto"  # auto: a transcript in another language is translated to English by itself
    prompt_template: str | None = None  # the improvement instruction; None: core/domain/prompt_template.txt
    model_device: str = "auto"
    model_threads: int | None = None
    preload_models: bool = True
    presigned_url_ttl: int = 3600
    app_password: Secret | None = None
    app_url: str | None = None  # the address people use, for absolute share links; None: not known
    trusted_proxies: tuple[str, ...] = ()  # CIDR blocks whose X-Forwarded-For is believed (web.client_address)
    max_audio_seconds: float = float(MAX_AUDIO_SECONDS)
    max_upload_mb: int = MAX_UPLOAD_MB
    max_prompt_chars: int = 1000
    draft_days: int = 7  # then gc removes an unsaved draft and its image
    listen_max_streams: int = 4  # live transcription streams per server (web/listen.py)
    caption_max_tokens: int = 30
    caption_precision: str = "auto"  # float16 on a GPU, float32 on a CPU; bfloat16 on request (docs/configuration.md)
    replicate_timeout_s: float = 120.0
    replicate_max_retries: int = 3
    secret_values: tuple[Secret, ...] = field(default=(), repr=False)

    def __repr__(self) -> str:
        # The generated repr would print DATABASE_URL's password: show the masked URL instead.
        shown = ", ".join(
            f"{item.name}={self.database_description() if item.name == 'database_url' else getattr(self, item.name)!r}"
            for item in fields(self)
            if item.repr
        )
        return f"Settings({shown})"

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 2**20

    @property
    def images_dir(self) -> Path:
        return self.data_dir / "images"

    @property
    def embedding_model_id(self) -> str:
        """The model search vectors are stored under: with CAPTION_ENGINE=replicate (no torch) the local default,
        or a name without an owner, stands for Replicate's all-mpnet-base-v2 (core/embedding/mpnet_replicate.py)."""
        if self.caption_engine != "replicate":
            return self.embedding_model
        local_default = self.embedding_model == Settings.embedding_model or "/" not in self.embedding_model
        return "replicate/all-mpnet-base-v2" if local_default else self.embedding_model

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url.startswith("sqlite")

    def database_description(self) -> str:
        """Where records go, with any password hidden."""
        return mask_database_url(self.database_url)

    def storage_description(self) -> str:
        if self.spaces is None:
            return f"local folder {self.images_dir}"
        return f"Spaces bucket '{self.spaces.bucket}' at {self.spaces.endpoint}"


def load_settings(
    environ: Mapping[str, str] | None = None,
    *,
    dotenv_path: Path | None = Path(".env"),
    secrets: Mapping[str, object] | None = None,
) -> Settings:
    """Resolve settings from the environment, a `.env` file and Streamlit secrets, in that order."""
    values = _merge_sources(os.environ if environ is None else environ, dotenv_path, secrets or {})
    return _settings_from(values)


def _merge_sources(
    environ: Mapping[str, str], dotenv_path: Path | None, secrets: Mapping[str, object]
) -> dict[str, str]:
    merged: dict[str, str] = {}
    # Lowest precedence first; empty strings count as "not given" everywhere.
    for name, value in secrets.items():
        if isinstance(value, str | int | float) and str(value).strip():
            merged[name] = str(value).strip()
    if dotenv_path is not None and dotenv_path.is_file():
        for name, value in dotenv_values(dotenv_path).items():
            if value is not None and value.strip():
                merged[name] = value.strip()
    for name, value in environ.items():
        if value.strip():
            merged[name] = value.strip()
    return merged


def _settings_from(values: dict[str, str]) -> Settings:
    defaults = field_defaults()
    # Every variable with its own parser fills its field; the groups below build what takes several.
    read = {spec.attribute: spec.parse(values, spec, defaults.get(spec.attribute)) for spec in SETTINGS if spec.parse}
    data_dir = Path(values.get("DATA_DIR", "data")).expanduser()
    spaces = _spaces_settings(values)
    database_url = _database_url(values, data_dir)
    secrets = [Secret(values[spec.name]) for spec in SETTINGS if spec.secret and values.get(spec.name)]
    if not database_url.startswith(EMBEDDED_DATABASE_PREFIX):  # the embedded default holds no credentials
        secrets.extend(Secret(value) for value in database_url_secrets(database_url))
    return Settings(
        database_url=database_url,
        data_dir=data_dir,
        spaces=spaces,
        # The default model follows the engine: each reads whisper-base in its own format.
        whisper_model=values.get("WHISPER_MODEL", DEFAULT_WHISPER_MODELS[str(read["speech_engine"])]),
        secret_values=tuple(secrets),
        **read,  # type: ignore[arg-type]  # each parser returns its field's type; tests/unit/test_config.py checks
    )


def field_defaults() -> dict[str, object]:
    """Settings' attributes and their defaults: the one place a setting's default is written."""
    return {f.name: f.default for f in fields(Settings) if f.default is not MISSING}


def configuration_docs_table() -> str:
    """docs/configuration.md's table of variables, as the specs and defaults say it."""
    return configuration_table(field_defaults())


def _database_url(values: dict[str, str], data_dir: Path) -> str:
    if url := values.get("DATABASE_URL"):
        return checked_database_url(url)
    given = [name for name in DB_VARIABLES if values.get(name)]
    if not given:
        return f"{EMBEDDED_DATABASE_PREFIX}{(data_dir / 'app.db').as_posix()}"
    missing = [name for name in ("DB_HOST", "DB_USER", "DB_NAME") if not values.get(name)]
    if missing:
        raise ConfigError(
            f"Database settings are incomplete: set {', '.join(missing)} "
            f"(given: {', '.join(given)}), or remove the DB_* variables to use the embedded SQLite database."
        )
    from sqlalchemy.engine import URL  # only for DB_*: SQLAlchemy is slow to import and the default needs none

    return URL.create(
        "postgresql+psycopg",
        username=values["DB_USER"],
        password=values.get("DB_PASSWORD"),
        host=values["DB_HOST"],
        port=_positive_int(values, "DB_PORT", 5432),
        database=values["DB_NAME"],
    ).render_as_string(hide_password=False)


def _spaces_settings(values: dict[str, str]) -> SpacesSettings | None:
    given = [name for name in SPACES_VARIABLES if values.get(name)]
    if not given:
        return None
    missing = [name for name in ("SPACES_BUCKET", "SPACES_KEY", "SPACES_SECRET") if not values.get(name)]
    if not values.get("SPACES_REGION") and not values.get("SPACES_ENDPOINT"):
        missing.append("SPACES_REGION or SPACES_ENDPOINT")
    if missing:
        raise ConfigError(
            f"Spaces settings are incomplete: set {', '.join(missing)} "
            f"(given: {', '.join(given)}), or remove the SPACES_* variables to keep images in a local folder."
        )
    region = values.get("SPACES_REGION", "us-east-1")
    endpoint = values.get("SPACES_ENDPOINT") or f"https://{region}.digitaloceanspaces.com"
    if not endpoint.startswith(("http://", "https://")):
        endpoint = f"https://{endpoint}"
    return SpacesSettings(
        key=values["SPACES_KEY"],
        secret=Secret(values["SPACES_SECRET"]),
        bucket=values["SPACES_BUCKET"],
        region=region,
        endpoint=endpoint.rstrip("/"),
    )
