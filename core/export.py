"""Saved records as CSV: every match of a history query, fetched in SQL pages, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

from core.records import HistoryQuery, ImageRecordView
from core.repository import RecordRepository

CSV_ROW_CAP = 10_000
CSV_BATCH = 500
CSV_FIELDS = (
    "id", "created_at", "prompt", "description", "transcript", "image_filename", "thumbnail_filename",
    "content_type", "width", "height", "size_bytes", "seed", "aspect_ratio", "output_format",
    "image_model", "caption_model", "speech_model", "total_ms",
)  # fmt: skip


def history_csv(
    *, repository: RecordRepository, query: HistoryQuery, cap: int = CSV_ROW_CAP, batch: int = CSV_BATCH
) -> str:
    """Every record matching the query's filters (at most `cap`, from the first), fetched `batch` rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_FIELDS)
    written = 0
    while written < cap:
        limit = min(batch, cap - written)
        # The query's own limit and offset (the page on screen) are replaced: the export starts at the first match.
        records = repository.search(query=replace(query, limit=limit, offset=written)).records
        writer.writerows(_csv_row(record) for record in records)
        written += len(records)
        if len(records) < limit:
            break
    return buffer.getvalue()


def _csv_row(record: ImageRecordView) -> list[object]:
    text = {"prompt": record.prompt, "description": record.description, "transcript": record.transcript or ""}
    values = {name: getattr(record, name, None) for name in CSV_FIELDS}
    values.update({name: _spreadsheet_safe(value) for name, value in text.items()})
    values["created_at"] = record.created_at.isoformat()
    values["total_ms"] = round(sum(record.timings_ms.values()), 1) if record.timings_ms else None
    return [values[name] for name in CSV_FIELDS]


def _spreadsheet_safe(text: str) -> str:
    # Spreadsheets run cells starting with these as formulas; a leading quote keeps them text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
