"""Where WHISPER_MODEL loads from for each engine: a folder, a faster-whisper size name, or a hub id.

Kept apart from the engines so that `check` and the download progress can ask without loading a model.
"""

from __future__ import annotations

from core.domain.errors import ModelLoadError
from core.models.loading import ModelSource, locate_model

SETTING = "WHISPER_MODEL"
EXAMPLE = "openai/whisper-base"
OPENAI_PREFIX = "openai/whisper-"
NEEDS_FASTER_WHISPER = (
    "SPEECH_ENGINE=faster-whisper (the default) needs the faster-whisper package: install requirements.txt, "
    "or set SPEECH_ENGINE=transformers or replicate."
)


def locate_speech_model(engine: str, model: str) -> ModelSource:
    """Where WHISPER_MODEL loads from for `engine`, without loading it (also used by `check`)."""
    if engine != "faster-whisper":
        return locate_model(model, setting=SETTING, example=EXAMPLE)
    return locate_model(
        faster_whisper_name(model), setting=SETTING, example="base", required_file="model.bin", hub_id=ct2_hub_id(model)
    )


def faster_whisper_name(model: str) -> str:
    """WHISPER_MODEL as faster-whisper takes it: OpenAI's transformers ids become their size names.

    An `.env` written for the earlier default (openai/whisper-base) keeps working with faster-whisper, which
    cannot read that checkpoint: the size name stands for the same weights converted for CTranslate2.
    """
    size = model.removeprefix(OPENAI_PREFIX)
    return size if model.startswith(OPENAI_PREFIX) and size in _ct2_repositories() else model


def ct2_hub_id(model: str) -> str | None:
    """The hub repository a faster-whisper size name ("base", "tiny.en") stands for; None for anything else."""
    return _ct2_repositories().get(faster_whisper_name(model))


def _ct2_repositories() -> dict[str, str]:
    try:
        from faster_whisper.utils import _MODELS  # the library's own table, so "turbo" etc. map as it maps them
    except ImportError as exc:
        raise ModelLoadError(NEEDS_FASTER_WHISPER) from exc
    return dict(_MODELS)
