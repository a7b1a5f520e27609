# ruff: noqa: E501
# (SETTINGS below is one line per setting, so adding a setting is adding a line.)
"""Every variable of the configuration contract, declared once: what reads it, its description, secret or not.

Parsing (`core.config.settings`), docs/configuration.md's table (`configuration_table`, kept equal by a test),
the tests' clean environment (tests/conftest.py) and Home's words all come from `SETTINGS`. Defaults live on
the `Settings` field a spec fills, so a new setting is one line here plus its field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from core.config.values import Secret, choice, flag, optional_int, positive_int
from core.domain.errors import InvalidSetting

# A parser reads one variable from the merged values; `default` is the Settings field's default.
Parser = Callable[[Mapping[str, str], "SettingSpec", object], object]

SPEECH_ENGINES = ("transformers", "faster-whisper", "replicate")
CAPTION_ENGINES = ("transformers", "replicate")
MODEL_DEVICES = ("auto", "cpu", "cuda")
CAPTION_PRECISIONS = ("auto", "float32", "bfloat16")
TRANSLATE_MODES = ("auto", "off")
MAX_BEAM_SIZE = 20  # wider beams cost time in proportion and no longer help Whisper
# S3 (and so Spaces) refuses presigned URLs valid for longer than 7 days.
MAX_PRESIGNED_URL_TTL = 604_800


@dataclass(frozen=True)
class SettingSpec:
    name: str  # the variable, as the environment, `.env` and Streamlit secrets spell it
    group: str  # the part of the app it configures; DB_* and SPACES_* are validated as wholes
    description: str  # one line of docs/configuration.md's table (Markdown, no "|")
    parse: Parser | None = None  # None: read by its group's builder in core.config.settings
    field: str | None = None  # the Settings attribute it fills; None: the variable's name in lower case
    choices: tuple[str, ...] = ()
    secret: bool = False  # its value is a Secret and is masked wherever text is shown or logged
    shown_default: str | None = None  # the docs' default (Markdown) when it is not the field's default

    @property
    def attribute(self) -> str:
        return self.field or self.name.lower()


def text(values: Mapping[str, str], spec: SettingSpec, default: object) -> object:
    return values.get(spec.name, default)


def secret(values: Mapping[str, str], spec: SettingSpec, default: object) -> object:
    given = values.get(spec.name)
    return Secret(given) if given else None


def one_of(values: Mapping[str, str], spec: SettingSpec, default: object) -> object:
    return choice(dict(values), spec.name, spec.choices, str(default))


def whole(values: Mapping[str, str], spec: SettingSpec, default: object) -> object:
    return positive_int(dict(values), spec.name, int(str(default)))


def whole_or_zero(values: Mapping[str, str], spec: SettingSpec, default: object) -> object:
    return positive_int(dict(values), spec.name, int(str(default)), allow_zero=True)


def seconds(values: Mapping[str, str], spec: SettingSpec, default: object) -> object:
    return float(positive_int(dict(values), spec.name, int(float(str(default)))))


def optional_whole(values: Mapping[str, str], spec: SettingSpec, default: object) -> object:
    return optional_int(dict(values), spec.name)


def on_off(values: Mapping[str, str], spec: SettingSpec, default: object) -> object:
    return flag(dict(values), spec.name, bool(default))


def beam_size(values: Mapping[str, str], spec: SettingSpec, default: object) -> object:
    beam = positive_int(dict(values), spec.name, int(str(default)))
    if beam > MAX_BEAM_SIZE:
        raise InvalidSetting(
            f"WHISPER_BEAM_SIZE must be between 1 (greedy, fastest) and {MAX_BEAM_SIZE}, got {beam}; 5 is the default."
        )
    return beam


def presigned_url_ttl(values: Mapping[str, str], spec: SettingSpec, default: object) -> object:
    ttl = positive_int(dict(values), spec.name, int(str(default)))
    if ttl > MAX_PRESIGNED_URL_TTL:
        raise InvalidSetting(
            f"PRESIGNED_URL_TTL={ttl} is too long: S3 and Spaces allow at most {MAX_PRESIGNED_URL_TTL} seconds "
            "(7 days). Set it to 604800 or less."
        )
    return ttl


def app_url(values: Mapping[str, str], spec: SettingSpec, default: object) -> object:
    """APP_URL as an origin without a trailing slash: http(s), a host, no query; links are built on it."""
    given = values.get(spec.name)
    if given is None:
        return None
    parts = urlsplit(given)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise InvalidSetting(
            f"APP_URL must be the address people open the app at, such as https://images.example.com; got '{given}'."
        )
    return given.rstrip("/")


def networks(values: Mapping[str, str], spec: SettingSpec, default: object) -> object:
    """Comma-separated addresses or CIDR blocks (`10.0.0.0/8, ::1`), each checked now, as normalised blocks."""
    import ipaddress

    found: list[str] = []
    for item in (part.strip() for part in values.get(spec.name, "").split(",")):
        if not item:
            continue
        try:
            found.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise InvalidSetting(
                f"{spec.name} lists {item!r}, which is neither an address nor a CIDR block (like 10.0.0.0/8): "
                "list the proxies in front of the app, comma-separated, or unset it when clients connect directly."
            ) from None
    return tuple(found)


def prompt_template(values: Mapping[str, str], spec: SettingSpec, default: object) -> object:
    """PROMPT_TEMPLATE as text: the variable itself, or the file it names (read now, so a typo stops the start)."""
    given = values.get(spec.name)
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


DATABASE, STORAGE, REPLICATE, MODELS, LIMITS, ACCESS = "database", "storage", "replicate", "models", "limits", "access"
# One line per setting, however long its description: the formatter leaves the table as written.
# fmt: off
SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec("DATABASE_URL", DATABASE, "a `postgresql://` or `sqlite:///` URL; wins over `DB_*`; its password and any `password`/`sslpassword`-like query parameter are masked wherever shown", shown_default="unset"),
    SettingSpec("DB_USER", DATABASE, "PostgreSQL user, as in the earlier app; `DB_HOST`, `DB_USER` and `DB_NAME` go together", shown_default="unset"),
    SettingSpec("DB_PASSWORD", DATABASE, "PostgreSQL password", secret=True, shown_default="unset"),
    SettingSpec("DB_HOST", DATABASE, "PostgreSQL host", shown_default="unset"),
    SettingSpec("DB_PORT", DATABASE, "PostgreSQL port", shown_default="`5432`"),
    SettingSpec("DB_NAME", DATABASE, "PostgreSQL database", shown_default="unset"),
    SettingSpec("DATA_DIR", STORAGE, "root of the embedded defaults: `app.db` and `images/`", shown_default="`./data`"),
    SettingSpec("SPACES_KEY", STORAGE, "DigitalOcean Spaces (any S3 endpoint) access key; `SPACES_BUCKET`, `SPACES_KEY`, `SPACES_SECRET` and a region or endpoint go together", shown_default="unset"),
    SettingSpec("SPACES_SECRET", STORAGE, "Spaces secret key", secret=True, shown_default="unset"),
    SettingSpec("SPACES_REGION", STORAGE, "Spaces region, say `ams3`", shown_default="us-east-1 when only an endpoint is given"),
    SettingSpec("SPACES_ENDPOINT", STORAGE, "S3 endpoint URL", shown_default="`https://<region>.digitaloceanspaces.com`"),
    SettingSpec("SPACES_BUCKET", STORAGE, "the bucket images go to; it stays private, the browser only gets presigned URLs", shown_default="unset"),
    SettingSpec("PRESIGNED_URL_TTL", STORAGE, "seconds a presigned image URL stays valid; at most 604800 (7 days, S3's limit)", presigned_url_ttl),
    SettingSpec("REPLICATE_API_TOKEN", REPLICATE, "needed to generate images", secret, secret=True),
    SettingSpec("IMAGE_MODEL", REPLICATE, "Replicate model (`owner/name` or `owner/name:version`)", text),
    SettingSpec("IMAGE_EDIT_MODEL", REPLICATE, "the model \"Change this image\" and `python -m core edit` run: takes `prompt`, `input_image` (uploaded to Replicate, never a bucket link), `aspect_ratio`, `output_format` (jpg or png), `seed`, `safety_tolerance` (2); returns one image", text),
    SettingSpec("REPLICATE_TIMEOUT", REPLICATE, "seconds per prediction, then it is canceled", seconds, field="replicate_timeout_s"),
    SettingSpec("REPLICATE_MAX_RETRIES", REPLICATE, "retries on 429/5xx", whole_or_zero),
    SettingSpec("REPLICATE_BASE_URL", REPLICATE, "read by the replicate client; tests point it at a local server", text, shown_default="Replicate's API"),
    SettingSpec("SPEECH_ENGINE", MODELS, "`faster-whisper` (CTranslate2, int8 on CPU: the most accurate and quickest on the project's bench), `transformers` (the earlier app's engine), or `replicate` (Whisper on Replicate)", one_of, choices=SPEECH_ENGINES),
    SettingSpec("REPLICATE_SPEECH_MODEL", MODELS, "speech model on Replicate, run by its latest version (or `owner/name:version`)", text),
    SettingSpec("CAPTION_ENGINE", MODELS, "`transformers` or `replicate` (BLIP on Replicate)", one_of, choices=CAPTION_ENGINES),
    SettingSpec("REPLICATE_CAPTION_MODEL", MODELS, "caption model on Replicate, run by its latest version (or `owner/name:version`)", text),
    SettingSpec("WHISPER_MODEL", MODELS, "whisper-base in the engine's own format by default. faster-whisper: a size name (`base` is `Systran/faster-whisper-base`), a CTranslate2 hub id or folder; an `openai/whisper-*` id is read as its size name. transformers: a hub id or a saved folder", shown_default="`base` (faster-whisper), `openai/whisper-base` (transformers)"),
    SettingSpec("WHISPER_BEAM_SIZE", MODELS, "beam search width for both engines, 1–20; `1` is greedy decoding (faster, mishears more; see Benchmarks)", beam_size),
    SettingSpec("CAPTION_MODEL", MODELS, "hub id or local folder", text),
    SettingSpec("EMBEDDING_MODEL", MODELS, "the sentence-embedding model of search by meaning and *More like this*: hub id or local folder (a sentence-transformers folder works). A BERT model (all-MiniLM-L6-v2 is one) runs in numpy without torch, so `history --meaning` starts in a second or two; another architecture, or `MODEL_DEVICE=cuda`, loads with transformers (`check` says which). With `CAPTION_ENGINE=replicate` (no torch) texts are embedded on Replicate by `replicate/all-mpnet-base-v2` unless this names another `owner/name` there. Each vector keeps the model that made it: after a change run `python -m core reindex`", text),
    SettingSpec("MODEL_DEVICE", MODELS, "`auto`, `cpu` or `cuda`", one_of, choices=MODEL_DEVICES),
    SettingSpec("MODEL_THREADS", MODELS, "CPU threads per model call", optional_whole, shown_default="all cores"),
    SettingSpec("CAPTION_MAX_TOKENS", MODELS, "longest caption, in tokens", whole),
    SettingSpec("CAPTION_PRECISION", MODELS, "number type of the local BLIP: `auto` (float16 on a GPU, float32 on a CPU), `float32`, or `bfloat16`, 2-3x quicker on CPUs with AMX or AVX512-BF16 (recent Xeons; `lscpu` shows `amx_bf16` or `avx512_bf16`) and slower on others; captions may differ in a word now and then", one_of, choices=CAPTION_PRECISIONS),
    SettingSpec("PRELOAD_MODELS", MODELS, "load the speech and caption models in the background when the server starts (`streamlit run app.py`: at start-up, `/readyz` says when; `streamlit run Home.py`: on the first page view), so the first click does not wait", on_off),
    SettingSpec("MAX_AUDIO_SECONDS", LIMITS, "longest recording or upload, in seconds", seconds),
    SettingSpec("MAX_UPLOAD_MB", LIMITS, "largest upload; keep `server.maxUploadSize` in `.streamlit/config.toml` equal (10 MB holds a 300 s browser recording)", whole),
    SettingSpec("DRAFT_DAYS", LIMITS, "days an image made but neither saved nor discarded is kept (Create's *Made but not saved*, `python -m core drafts`); `python -m core gc` removes older ones", whole),
    SettingSpec("LISTEN_MAX_STREAMS", LIMITS, "recordings transcribed live (words shown while speaking, through `/listen`) at once per server; more wait for a free place or upload. `0` turns live words off (the recorder then transcribes after Stop)", whole_or_zero),
    SettingSpec("MAX_PROMPT_CHARS", LIMITS, "longest prompt. About 65 s of speech fills it: a longer transcript is shown whole, flagged, and must be shortened before generating", whole),
    SettingSpec("APP_PASSWORD", ACCESS, "a shared password every visitor must type (served by app.py: at `/sign-in`, before any Streamlit endpoint answers)", secret, secret=True),
    SettingSpec("APP_URL", ACCESS, "the address people open the app at, say `https://images.example.com`: share links (`python -m core share`, History's Share) start with it; unset, the pages use the browser's address and the command refuses to share", app_url),
    SettingSpec("TRUSTED_PROXIES", ACCESS, "addresses or CIDR blocks of the proxies in front of the app (nginx), comma-separated; a sign-in's client is then the right-most `X-Forwarded-For` address they did not add. Empty: the peer address is the client, and `X-Forwarded-For` is ignored. Wrong passwords are counted per client: 10 a minute, then that client waits 30 s doubling to 5 min; 100 a minute from all clients together make everyone wait (docs/security.md)", networks, shown_default="none"),
    SettingSpec("PROMPT_MODEL", MODELS, "the prompt model on Replicate (translation, Improve prompt); an official model, run by name", text),
    SettingSpec("TRANSLATE_PROMPTS", MODELS, "`auto`: a transcript in another language is translated to English by itself (with Undo); `off`: only when *Translate to English* is clicked", one_of, choices=TRANSLATE_MODES),
    SettingSpec("PROMPT_TEMPLATE", MODELS, "the instruction *Improve prompt* follows: the text itself, or a path to a text file (read at start; a path that cannot be read stops the start)", prompt_template, shown_default="the repository's `core/domain/prompt_template.txt`"),
)
# fmt: on
SPECS: dict[str, SettingSpec] = {spec.name: spec for spec in SETTINGS}
DB_VARIABLES = tuple(spec.name for spec in SETTINGS if spec.name.startswith("DB_"))
SPACES_VARIABLES = tuple(spec.name for spec in SETTINGS if spec.name.startswith("SPACES_"))


def described(name: str) -> str:
    """A variable's one-line description, for pages that explain a setting (Home, Status)."""
    return SPECS[name].description


def configuration_table(defaults: Mapping[str, object]) -> str:
    """docs/configuration.md's table of variables; `defaults` maps Settings attributes to their defaults."""
    rows = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for spec in SETTINGS:
        rows.append(f"| `{spec.name}` | {_shown_default(spec, defaults)} | {spec.description} |")
    return "\n".join(rows) + "\n"


def _shown_default(spec: SettingSpec, defaults: Mapping[str, object]) -> str:
    if spec.shown_default is not None:
        return spec.shown_default
    value = defaults.get(spec.attribute)
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"`{value}`"
