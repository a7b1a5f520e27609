"""Saved records as CSV, or as a ZIP of their images plus records.csv; fetched in SQL pages, spreadsheet-safe."""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import IO

from core.domain.errors import AppError
from core.domain.ports import ImageStore, RecordReader
from core.domain.records import HistoryQuery, ImageRecordView

log = logging.getLogger(__name__)

CSV_ROW_CAP = 10_000
ZIP_RECORD_CAP = 1_000  # images in one ZIP; a bigger archive is a job for `python -m core export` in pages
CSV_BATCH = 500
CSV_FIELDS = (
    "id", "created_at", "prompt", "description", "transcript", "language", "image_filename", "thumbnail_filename",
    "content_type", "width", "height", "size_bytes", "seed", "aspect_ratio", "output_format",
    "output_quality", "megapixels", "image_model", "caption_model", "speech_model", "total_ms", "starred",
    "tags", "created_by", "parent_id", "edit_instruction",
)  # fmt: skip
ZIP_FIELDS = (*CSV_FIELDS, "file_in_zip")


@dataclass(frozen=True)
class ZipSummary:
    records: int
    images: int
    missing: list[int]  # records whose image could not be read: listed in records.csv without a file


def matching_records(
    *, reader: RecordReader, query: HistoryQuery, cap: int, batch: int = CSV_BATCH
) -> Iterator[ImageRecordView]:
    """Every record matching the query's filters (at most `cap`, from the first), fetched `batch` rows at a time."""
    written = 0
    while written < cap:
        limit = min(batch, cap - written)
        # The query's own limit and offset (the page on screen) are replaced: the export starts at the first match.
        records = reader.search(query=replace(query, limit=limit, offset=written)).records
        yield from records
        written += len(records)
        if len(records) < limit:
            break


def history_csv(
    *, repository: RecordReader, query: HistoryQuery, cap: int = CSV_ROW_CAP, batch: int = CSV_BATCH
) -> str:
    """Every record matching the query as CSV text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_FIELDS)
    writer.writerows(_csv_row(r) for r in matching_records(reader=repository, query=query, cap=cap, batch=batch))
    return buffer.getvalue()


def records_zip(records: Iterable[ImageRecordView], *, store: ImageStore, out: IO[bytes]) -> ZipSummary:
    """Write a ZIP of each record's image (image-<id>.<ext>) and a records.csv describing them all."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(ZIP_FIELDS)
    count, images, missing = 0, 0, []
    # Images are already compressed: storing them saves time and loses nothing.
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as archive:
        for record in records:
            count += 1
            name = zip_image_name(record)
            try:
                archive.writestr(name, store.get(record.image_filename))
                images += 1
            except (AppError, KeyError, OSError) as exc:
                log.warning("Image of record %s left out of the ZIP: %s", record.id, exc)
                missing.append(record.id)
                name = ""
            writer.writerow([*_csv_row(record), name])
        archive.writestr("records.csv", buffer.getvalue(), compress_type=zipfile.ZIP_DEFLATED)
    return ZipSummary(records=count, images=images, missing=missing)


def history_zip(
    *, reader: RecordReader, store: ImageStore, query: HistoryQuery, out: IO[bytes], cap: int = ZIP_RECORD_CAP
) -> ZipSummary:
    """The images and records.csv of every record matching the query (at most `cap`)."""
    return records_zip(matching_records(reader=reader, query=query, cap=cap), store=store, out=out)


def zip_image_name(record: ImageRecordView) -> str:
    # From the stored key's extension, never from user text.
    suffix = PurePosixPath(record.image_filename).suffix.lower() or f".{record.output_format or 'img'}"
    return f"image-{record.id}{suffix}"


def _csv_row(record: ImageRecordView) -> list[object]:
    text = {"prompt": record.prompt, "description": record.description, "transcript": record.transcript or ""}
    values = {name: getattr(record, name, None) for name in CSV_FIELDS}
    values.update({name: _spreadsheet_safe(value) for name, value in text.items()})
    values["created_at"] = record.created_at.isoformat()
    values["total_ms"] = round(sum(record.timings_ms.values()), 1) if record.timings_ms else None
    values["tags"] = _spreadsheet_safe(", ".join(sorted(record.tags)))
    values["created_by"] = _spreadsheet_safe(record.created_by or "")
    return [values[name] for name in CSV_FIELDS]


def _spreadsheet_safe(text: str) -> str:
    # Spreadsheets run cells starting with these as formulas; a leading quote keeps them text.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
