"""What each `python -m core` command does, once its arguments are parsed."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from core.app import gallery
from core.app.services import build_services, load_transcriber_for, migrate_database, require_replicate_token
from core.cli import gallery as gallery_cli
from core.cli import meaning as meaning_cli
from core.config.settings import Settings
from core.domain.errors import AudioError, InputError, InvalidSetting
from core.domain.ports import GenerationRequest
from core.domain.prompts import TranscriptTooLong, validate_options, validate_prompt
from core.speech.audio import decode_audio

if TYPE_CHECKING:  # the pipeline (Pillow, the database) is imported by the commands that run it
    from core.app.pipeline import Draft, SavedImage
    from core.app.services import Services
    from core.models.download import DownloadProgress

# Exit codes: 0 is success.
FAILURE = 1
BAD_INPUT = 2

HISTORY_BATCH = 500  # rows per query of `history`: the repository's page limit is 1000


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "migrate":
        migrate_database(settings)
        emit({"migrated": True, "database": settings.database_description()})
        return 0
    if args.command == "check":
        from core.app.health import check_all

        stop = _show_downloads() if args.load_models else None
        try:
            report = check_all(settings, load_models=args.load_models)
        finally:
            if stop is not None:
                stop()
        emit(report.to_json())
        return 0 if report.ok else FAILURE
    if args.command == "transcribe":
        if args.translate:
            require_prompt_model(settings, "--translate")
        return _transcribe(args, settings)
    if args.command == "create" and (args.translate or args.improve_prompt):
        asked = [
            name
            for name, given in (("--translate", args.translate), ("--improve-prompt", args.improve_prompt))
            if given
        ]
        require_prompt_model(settings, " and ".join(asked))
    if args.command == "share":
        from core.cli.share import refuse_without_app_url, run_share

        refuse_without_app_url(args, settings.app_url)
        return run_share(args, build_services(settings))
    services = build_services(settings)
    if args.command == "edit":
        from core.cli.edit import run_edit

        return run_edit(args, services, emit)
    if args.command == "drafts":
        from core.cli.drafts import run_drafts

        return run_drafts(args, services, emit)
    handlers = {"create": _create, "history": _history, "gc": _gc, **gallery_cli.HANDLERS, **meaning_cli.HANDLERS}
    try:
        return handlers[args.command](args, services)
    finally:
        services.embed_on_save.wait()  # the vectors of what this command saved, before the process ends


def require_prompt_model(settings: Settings, options: str) -> None:
    """Refuse (exit 2, nothing paid for) an option that needs the prompt model when Replicate has no token."""
    try:
        require_replicate_token(settings)
    except InvalidSetting:
        raise InputError(
            f"{options} runs the prompt model {settings.prompt_model} on Replicate: set REPLICATE_API_TOKEN "
            "(from replicate.com/account/api-tokens), or leave the option out."
        ) from None


def _show_downloads(step: int = 5) -> Callable[[], None]:
    """Print each model download's progress on stderr (every `step` percent), so a first load is not a silent wait."""
    from core.models.download import listen

    shown: dict[str, int] = {}

    def show(progress: DownloadProgress) -> None:
        last = shown.get(progress.repo)
        if last is None or progress.finished or progress.percent >= last + step:
            shown[progress.repo] = progress.percent
            print(progress.describe(), file=sys.stderr, flush=True)

    return listen(show)


def emit(obj: object) -> None:
    """One JSON line on stdout; flushed, so a pipe sees each result as it is made."""
    print(json.dumps(obj, ensure_ascii=False, default=str), flush=True)


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


def _create(args: argparse.Namespace, services: Services) -> int:
    from core.app.pipeline import SavedImage
    from core.app.prompt_assistant import PromptSteps

    audio = _read_file(args.audio) if args.audio else None
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


def _history(args: argparse.Namespace, services: Services) -> int:
    """Every match (or the first --limit of them) from --offset, streamed: fetched HISTORY_BATCH rows at a time,
    so any number can be listed in bounded memory and the first lines appear before the last are read.
    With --meaning or --like, ranked by meaning instead (core/cli/meaning.py)."""
    ranked = meaning_cli.ranked_history(args, services)
    if ranked is not None:
        return ranked
    offset, left = args.offset, args.limit  # None: no limit
    while left is None or left > 0:
        size = HISTORY_BATCH if left is None else min(HISTORY_BATCH, left)
        records = gallery.search(services.records, gallery_cli.history_query(args, limit=size, offset=offset)).records
        for record in records:
            emit(record.to_json())
        if len(records) < size:
            break
        offset += size
        left = None if left is None else left - size
    return 0


def _gc(args: argparse.Namespace, services: Services) -> int:
    from core.app.gc import collect_garbage_and_old_drafts

    older_than = timedelta(minutes=args.older_than)
    emit(
        collect_garbage_and_old_drafts(
            services.store,
            services.records,
            services.drafts,
            older_than=older_than,
            draft_days=services.settings.draft_days,
            dry_run=args.dry_run,
        )
    )
    return 0


def _transcribe(args: argparse.Namespace, settings: Settings) -> int:
    audio = _read_file(args.path)
    clip = decode_audio(
        audio,
        filename=args.path.name,
        max_seconds=settings.max_audio_seconds,
        max_bytes=settings.max_upload_bytes,
    )
    timings: dict[str, float] = {}
    started = time.perf_counter()
    # One transcription, then the process ends: a warm-up would only make it wait for the same set-up twice.
    transcriber = load_transcriber_for(settings, warm_up=False)
    timings["load_model"] = _ms_since(started)
    started = time.perf_counter()
    transcript = transcriber.transcribe(clip, language=args.language)
    timings["transcribe"] = _ms_since(started)
    if not transcript.text.strip():
        raise AudioError("No speech was recognised in this file. Check that it holds clear speech.")
    english = None
    if args.translate:  # English speech is never sent: translate() answers None for it
        from core.app.services import build_assistant

        english = build_assistant(settings).translate(transcript.text, language=transcript.language)
        if english is not None:
            timings["translate"] = english.ms
    emit(
        {
            "text": english.after if english else transcript.text,
            **({"original_text": transcript.text} if args.translate else {}),
            "language": transcript.language,
            "duration_s": round(transcript.duration_s, 3),
            "model": transcriber.model_id,
            "timings_ms": timings,
        }
    )
    return 0


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"No such file: {path}. Check the path and try again.") from None
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror}.") from None
