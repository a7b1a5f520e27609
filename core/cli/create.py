"""`python -m core create`: a prompt or a recording in, images (saved, or written to a folder) out."""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from core.cli import gallery as gallery_cli
from core.cli.output import emit, read_file
from core.domain.errors import InputError
from core.domain.ports import GenerationRequest
from core.domain.prompts import TranscriptTooLong, validate_options, validate_prompt

if TYPE_CHECKING:  # the pipeline (Pillow, the database) is imported when the command runs
    from core.app.pipeline import Draft, SavedImage
    from core.app.services import Services


def build_request(args: argparse.Namespace, prompt: str = "") -> GenerationRequest:
    return GenerationRequest(
        prompt=prompt,
        aspect_ratio=args.aspect_ratio,
        num_outputs=args.num_outputs,
        seed=args.seed,
        output_format=args.output_format,
        output_quality=args.output_quality,
        megapixels=args.megapixels,
    )


def create_command(args: argparse.Namespace, services: Services) -> int:
    from core.app.pipeline import SavedImage
    from core.app.prompt_assistant import PromptSteps

    audio = read_file(args.audio) if args.audio else None
    request = build_request(args, prompt=args.prompt or "")
    # Everything the command needs is checked here, before the first paid prediction.
    validate_options(request)
    if args.prompt is not None:
        validate_prompt(args.prompt, max_chars=services.settings.max_prompt_chars)
    output_dir = args.output_dir or (Path.cwd() if args.no_save else None)
    if output_dir is not None:
        _prepare_output_dir(output_dir)
    if not args.no_save:
        services.store.check()
    else:  # the images go to the folder only: nothing is kept in the gallery, not even as drafts
        services = replace(services, drafts=None)
    services.generator.check()  # a missing or refused token, asked about for free (who owns it)
    services.captioner()  # a caption model that cannot load would fail only after the image is paid for
    try:
        results = services.pipeline.create(
            request,
            audio=audio,
            filename=args.audio.name if args.audio else None,
            save=not args.no_save,
            created_by=gallery_cli.creator(args),
            steps=PromptSteps(services.assistant, translate=args.translate, improve=args.improve_prompt),
            language=args.language,
        )
    except TranscriptTooLong as exc:
        # The whole transcript goes to stdout, so the user can shorten it and pass it back.
        emit({"transcript": exc.transcript, "transcript_chars": len(exc.transcript), "max_prompt_chars": exc.max_chars})
        raise InputError(
            f"The transcript of {args.audio} is {len(exc.transcript)} characters long; prompts are limited to "
            f"{exc.max_chars} (MAX_PROMPT_CHARS). Nothing was generated or paid for. The transcript is printed on "
            'stdout: shorten it and run `python -m core create --prompt "<shortened text>"` with the same options.'
        ) from None
    for result in results:
        if isinstance(result, SavedImage):
            emit(_saved_json(result, services, output_dir))
        else:
            emit(_draft_json(result, output_dir))
    return 0


def _saved_json(saved: SavedImage, services: Services, output_dir: Path | None) -> dict[str, object]:
    record = saved.record
    data = record.to_json()
    data["image_url"] = services.store.url(record.image_filename, services.settings.presigned_url_ttl)
    data["created"] = saved.created
    if output_dir is not None:
        data["image_path"] = str(
            _write(
                output_dir,
                record.idempotency_key or str(record.id),
                record.output_format,
                services.store.get(record.image_filename),
            )
        )
    return data


def _draft_json(draft: Draft, output_dir: Path | None) -> dict[str, object]:
    path = _write(output_dir or Path.cwd(), draft.idempotency_key, draft.image.output_format, draft.image.data)
    return {
        "id": None,
        "prompt": draft.request.prompt,
        "transcript": draft.transcript,
        "language": draft.language,
        "description": draft.caption,
        "seed": draft.request.seed,
        "prediction_id": draft.prediction_id,
        "image_filename": None,
        "thumbnail_filename": None,
        "image_url": None,
        "image_path": str(path),
        "created_at": None,
        "timings_ms": draft.timings_ms,
    }


def _prepare_output_dir(folder: Path) -> None:
    """Create the folder and prove it takes files, so a paid image always has somewhere to go."""
    if folder.exists() and not folder.is_dir():
        raise InputError(f"--output-dir {folder} is a file, not a folder: give a folder (it is created if missing).")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise InputError(
            f"Cannot write images to {folder} ({exc.strerror or type(exc).__name__}): choose a writable --output-dir."
        ) from None


def _write(folder: Path, stem: str, extension: str | None, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem[:16]}.{extension or 'img'}"
    path.write_bytes(data)
    return path
