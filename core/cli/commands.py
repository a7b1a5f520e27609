"""What each `python -m core` command does, once its arguments are parsed."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from core.app import gallery
from core.app.services import build_services, load_transcriber_for, migrate_database, require_replicate_token
from core.cli import gallery as gallery_cli
from core.cli import meaning as meaning_cli
from core.cli.create import create_command
from core.cli.output import emit, read_file
from core.config.settings import Settings
from core.domain.errors import AudioError, InputError, InvalidSetting
from core.speech.audio import decode_audio

if TYPE_CHECKING:  # the pipeline (Pillow, the database) is imported by the commands that run it
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
    handlers = {
        "create": create_command,
        "history": _history,
        "gc": _gc,
        **gallery_cli.HANDLERS,
        **meaning_cli.HANDLERS,
    }
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
    audio = read_file(args.path)
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
