"""Settings: process environment, then `.env`, then Streamlit secrets, then embedded defaults.

Seed variable names stay as the Gradio app had them. A half-given database or Spaces
configuration is an error naming what is missing, never a silent fall-back to the defaults.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from core.config.database_url import checked_database_url, database_url_secrets, mask_database_url
from core.config.values import choice as _choice
from core.config.values import flag as _flag
from core.config.values import optional_int as _optional_int
from core.config.values import positive_int as _positive_int
from core.domain.errors import ConfigError, InvalidSetting

DB_VARIABLES = ("DB_USER", "DB_PASSWORD", "DB_HOST", "DB_PORT", "DB_NAME")
SPACES_VARIABLES = ("SPACES_KEY", "SPACES_SECRET", "SPACES_REGION", "SPACES_ENDPOINT", "SPACES_BUCKET")
SPEECH_ENGINES = ("transformers", "faster-whisper", "replicate")
# faster-whisper is the default: on the project's accuracy bench (beam 5) it had fewer word errors, beam
# search cost it 1.17x greedy against 1.91x on transformers, and it loads 6x sooner in a third of the memory.
DEFAULT_SPEECH_ENGINE = "faster-whisper"
# whisper-base in each engine's own format: faster-whisper's size name stands for the CTranslate2 conversion
# (Systran/faster-whisper-base), so a fresh machine downloads that rather than the transformers checkpoint.
DEFAULT_WHISPER_MODELS = {"faster-whisper": "base", "transformers": "openai/whisper-base", "replicate": "base"}
CAPTION_ENGINES = ("transformers", "replicate")
MODEL_DEVICES = ("auto", "cpu", "cuda")
CAPTION_PRECISIONS = ("auto", "float32", "bfloat16")
TRANSLATE_MODES = ("auto", "off")
MAX_BEAM_SIZE = 20  # wider beams cost time in proportion and no longer help Whisper
# Limits on what a user may send; the defaults of MAX_AUDIO_SECONDS and MAX_UPLOAD_MB. Every upload,
# from anyone, arrives before the password gate runs, so the upload limit is what 300 s of audio
# needs: a 300 s browser recording (16 kHz mono 16-bit WAV) is 9.2 MB. .streamlit/config.toml's
# server.maxUploadSize must equal MAX_UPLOAD_MB (a test checks).
MAX_AUDIO_SECONDS = 300
MAX_UPLOAD_MB = 10
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 2**20


# S3 (and so Spaces) refuses presigned URLs valid for longer than 7 days.
MAX_PRESIGNED_URL_TTL = 604_800
EMBEDDED_DATABASE_PREFIX = "sqlite:///"


class Secret:
    """A string that never shows itself in repr, str, logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


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
    prompt_model: str = "meta/meta-llama-3-8b-instruct"
    translate_prompts: str = "auto"  # auto: a transcript in another language is translated to English by itself
    prompt_template: str | None = None  # the improvement instruction; None: core/domain/prompt_template.txt
    model_device: str = "auto"
    model_threads: int | None = None
    preload_models: bool = True
    presigned_url_ttl: int = 3600
    app_password: Secret | None = None
    max_audio_seconds: float = float(MAX_AUDIO_SECONDS)
    max_upload_mb: int = MAX_UPLOAD_MB
    max_prompt_chars: int = 1000
    caption_max_tokens: int = 30
    caption_precision: str = "auto"  # float16 on a GPU, float32 on a CPU; bfloat16 on request (docs/configuration.md)
    replicate_timeout_s: float = 120.0
    replicate_max_retries: int = 3
    secret_values: tuple[Secret, ...] = field(default=(), repr=False)

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 2**20

    @property
    def images_dir(self) -> Path:
        return self.data_dir / "images"

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
    data_dir = Path(values.get("DATA_DIR", "data")).expanduser()
    token = values.get("REPLICATE_API_TOKEN")
    password = values.get("APP_PASSWORD")
    spaces = _spaces_settings(values)
    secrets = [Secret(v) for v in (token, password, values.get("DB_PASSWORD")) if v]
    if spaces is not None:
        secrets.append(spaces.secret)
    database_url = _database_url(values, data_dir)
    speech_engine = _choice(values, "SPEECH_ENGINE", SPEECH_ENGINES, DEFAULT_SPEECH_ENGINE)
    if not database_url.startswith(EMBEDDED_DATABASE_PREFIX):  # the embedded default holds no credentials
        secrets.extend(Secret(value) for value in database_url_secrets(database_url))
    return Settings(
        database_url=database_url,
        data_dir=data_dir,
        spaces=spaces,
        replicate_api_token=Secret(token) if token else None,
        replicate_base_url=values.get("REPLICATE_BASE_URL"),
        image_model=values.get("IMAGE_MODEL", Settings.image_model),
        image_edit_model=values.get("IMAGE_EDIT_MODEL", Settings.image_edit_model),
        speech_engine=speech_engine,
        whisper_model=values.get("WHISPER_MODEL", DEFAULT_WHISPER_MODELS[speech_engine]),
        whisper_beam_size=_beam_size(values),
        caption_engine=_choice(values, "CAPTION_ENGINE", CAPTION_ENGINES, Settings.caption_engine),
        caption_model=values.get("CAPTION_MODEL", Settings.caption_model),
        replicate_speech_model=values.get("REPLICATE_SPEECH_MODEL", Settings.replicate_speech_model),
        replicate_caption_model=values.get("REPLICATE_CAPTION_MODEL", Settings.replicate_caption_model),
        prompt_model=values.get("PROMPT_MODEL", Settings.prompt_model),
        translate_prompts=_choice(values, "TRANSLATE_PROMPTS", TRANSLATE_MODES, Settings.translate_prompts),
        prompt_template=_prompt_template(values),
        model_device=_choice(values, "MODEL_DEVICE", MODEL_DEVICES, Settings.model_device),
        model_threads=_optional_int(values, "MODEL_THREADS"),
        preload_models=_flag(values, "PRELOAD_MODELS", Settings.preload_models),
        presigned_url_ttl=_presigned_url_ttl(values),
        app_password=Secret(password) if password else None,
        max_audio_seconds=float(_positive_int(values, "MAX_AUDIO_SECONDS", MAX_AUDIO_SECONDS)),
        max_upload_mb=_positive_int(values, "MAX_UPLOAD_MB", Settings.max_upload_mb),
        max_prompt_chars=_positive_int(values, "MAX_PROMPT_CHARS", Settings.max_prompt_chars),
        caption_max_tokens=_positive_int(values, "CAPTION_MAX_TOKENS", Settings.caption_max_tokens),
        caption_precision=_choice(values, "CAPTION_PRECISION", CAPTION_PRECISIONS, Settings.caption_precision),
        replicate_timeout_s=float(_positive_int(values, "REPLICATE_TIMEOUT", 120)),
        replicate_max_retries=_positive_int(values, "REPLICATE_MAX_RETRIES", 3, allow_zero=True),
        secret_values=tuple(secrets),
    )


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


def _prompt_template(values: dict[str, str]) -> str | None:
    """PROMPT_TEMPLATE as text: the variable itself, or the file it names (read now, so a typo stops the start)."""
    given = values.get("PROMPT_TEMPLATE")
    if given is None:
        return None
    path = Path(given).expanduser()
    looks_like_path = "\n" not in given and (given.endswith((".txt", ".md")) or given.startswith(("/", "./", "~")))
    if not looks_like_path:
        return given
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise InvalidSetting(
            f"PROMPT_TEMPLATE names the file {given}, which cannot be read ({reason}): fix the path, give the "
            "instruction itself as text, or unset it for the default."
        ) from None
    if not text:
        raise InvalidSetting(f"PROMPT_TEMPLATE names the file {given}, which is empty: write the instruction in it.")
    return text


def _beam_size(values: dict[str, str]) -> int:
    beam = _positive_int(values, "WHISPER_BEAM_SIZE", Settings.whisper_beam_size)
    if beam > MAX_BEAM_SIZE:
        raise InvalidSetting(
            f"WHISPER_BEAM_SIZE must be between 1 (greedy, fastest) and {MAX_BEAM_SIZE}, got {beam}; 5 is the default."
        )
    return beam


def _presigned_url_ttl(values: dict[str, str]) -> int:
    ttl = _positive_int(values, "PRESIGNED_URL_TTL", Settings.presigned_url_ttl)
    if ttl > MAX_PRESIGNED_URL_TTL:
        raise InvalidSetting(
            f"PRESIGNED_URL_TTL={ttl} is too long: S3 and Spaces allow at most {MAX_PRESIGNED_URL_TTL} seconds "
            "(7 days). Set it to 604800 or less."
        )
    return ttl
