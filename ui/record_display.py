"""How a saved record is shown: table rows, card text, metadata facts, download name, and markdown-safe text."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from core.app.services import Services
from core.domain.errors import AppError
from core.domain.ports import content_type_for
from core.domain.records import ImageRecordView

# Re-exported: History's modules read it here; it lives in ui.outside_text, the one path for outside text.
from ui.outside_text import escape_markdown as escape_markdown

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

STAGE_ORDER = ("transcribe", "generate", "caption", "upload")
# The History table's columns, in order; ui.history.view gives each one its st.column_config.
# Only what fits beside a wide prompt without sideways scrolling; pixels, size and models are in the detail.
TABLE_COLUMNS = ("starred", "id", "thumbnail", "prompt", "caption", "tags", "created_by", "created_at", "total_s")


def format_ms(milliseconds: float) -> str:
    return f"{milliseconds:.0f} ms" if milliseconds < 1000 else f"{milliseconds / 1000:.1f} s"


def format_bytes(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    return f"{size / 1024:.0f} KB" if size < 1024**2 else f"{size / 1024**2:.1f} MB"


def in_stage_order(stages: Iterable[str]) -> list[str]:
    """Pipeline stages in the order they run; unknown ones last, alphabetically."""
    return sorted(stages, key=lambda s: (STAGE_ORDER.index(s) if s in STAGE_ORDER else 99, s))


def card_text(record: ImageRecordView, max_chars: int) -> str:
    """The caption (else the prompt) on one line, cut to `max_chars`, made safe for markdown."""
    text = " ".join((record.description or record.prompt).split())
    return escape_markdown(text[:max_chars] + ("…" if len(text) > max_chars else ""))


def thumbnail_key(record: ImageRecordView) -> str:
    # Rows adopted from the Gradio app have no thumbnail; the full image (on Spaces) stands in.
    return record.thumbnail_filename or record.image_filename


def thumbnail_url(current: Services, key: str) -> str | None:
    """A URL for one stored object, reused across reruns; None (an empty cell) if it cannot be made."""
    try:
        return current.urls.url(key)
    except AppError as exc:
        log.warning("No URL for %s: %s", key, exc)
        return None


def history_frame(records: Sequence[ImageRecordView], thumbnail_url: Callable[[str], str | None]) -> pd.DataFrame:
    """One row per record for st.dataframe; `thumbnail_url` turns a storage key into a browser URL."""
    import pandas as pd  # here, not at the top: the server starts, and Create draws, without pandas (0.2 s)

    rows = [
        {
            "starred": "★" if record.starred else "",
            "id": record.id,
            "thumbnail": thumbnail_url(thumbnail_key(record)),
            "prompt": record.prompt,
            "caption": record.description,
            "tags": ", ".join(record.tags),
            "created_by": record.created_by or "",
            "created_at": record.created_at,
            "total_s": round(sum(record.timings_ms.values()) / 1000, 2) if record.timings_ms else None,
        }
        for record in records
    ]
    frame = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    return frame


def download_name(record: ImageRecordView) -> tuple[str, str]:
    """(file name, media type) for the download button, from the stored key, never from user text."""
    suffix = PurePosixPath(record.image_filename).suffix.lower() or f".{record.output_format or 'webp'}"
    return f"{_saved_stem(record.id)}{suffix}", record.content_type or content_type_for(record.image_filename)


def image_download_name(saved_id: int | None, unsaved: str, output_format: str) -> str:
    """A paid image's file name: a saved one's as History names it, else `unsaved` (chosen by the app, never
    user text), with the image's own format."""
    return f"{_saved_stem(saved_id) if saved_id else unsaved}.{output_format}"


def _saved_stem(record_id: int) -> str:
    return f"image-{record_id}"


def record_facts(record: ImageRecordView) -> list[tuple[str, str]]:
    """Label and value of every known piece of metadata, in reading order."""
    stages = in_stage_order(record.timings_ms)
    facts = [
        ("Created", record.created_at.strftime("%Y-%m-%d %H:%M:%S UTC")),
        ("Made by", record.created_by or ""),
        ("Pixels", f"{record.width} × {record.height}" if record.width and record.height else ""),
        ("File size", format_bytes(record.size_bytes) if record.size_bytes else ""),
        ("Format", record.output_format or ""),
        ("Aspect ratio", record.aspect_ratio or ""),
        ("Quality", "" if record.output_quality is None else str(record.output_quality)),
        ("Megapixels", record.megapixels or ""),
        ("Seed", "" if record.seed is None else str(record.seed)),
        ("Image model", record.image_model or ""),
        ("Caption model", record.caption_model or ""),
        ("Speech model", record.speech_model or ""),
        ("Stage times", ", ".join(f"{stage} {format_ms(record.timings_ms[stage])}" for stage in stages)),
        ("Total time", format_ms(sum(record.timings_ms.values())) if record.timings_ms else ""),
    ]
    return [(label, value) for label, value in facts if value]


def model_name(model_id: str) -> str:
    """A model as people name it: a hub id as is, a local folder by its last part (its path says nothing to them)."""
    if model_id.startswith(("/", "./", "../", "~")) or "\\" in model_id:
        return PurePosixPath(model_id.replace("\\", "/")).name or model_id
    return model_id
