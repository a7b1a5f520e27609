"""`python -m core`: everything the app does, from a terminal, as JSON lines.

This module parses arguments and turns failures into one line and an exit code; `core.cli.commands` does the
work and never imports this module back.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from core.cli import commands
from core.cli import gallery as gallery_cli
from core.cli import meaning as meaning_cli
from core.cli.commands import BAD_INPUT, FAILURE
from core.cli.drafts import add_drafts_command
from core.cli.edit import add_edit_command
from core.cli.options import add_language_option
from core.cli.share import add_share_command
from core.config.redaction import install_log_redaction, redact
from core.config.settings import Secret, load_settings
from core.domain.errors import AppError, AudioError, InputError, InvalidSetting
from core.domain.ports import ASPECT_RATIOS, MEGAPIXELS, OUTPUT_FORMATS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core", description="Speak an idea, get an image and a caption.")
    commands = parser.add_subparsers(dest="command", required=True)

    create = commands.add_parser("create", help="transcribe (optional), generate, caption and save")
    source = create.add_mutually_exclusive_group(required=True)
    source.add_argument("--audio", type=Path, help="a WAV, FLAC, OGG or MP3 file describing the image")
    source.add_argument("--prompt", help="the description as text")
    create.add_argument("--aspect-ratio", default="1:1", choices=ASPECT_RATIOS)
    create.add_argument("--seed", type=int)
    create.add_argument("--num-outputs", type=int, default=1, choices=range(1, 5), metavar="1-4")
    create.add_argument("--output-format", default="webp", choices=OUTPUT_FORMATS)
    create.add_argument("--output-quality", type=int, default=80)
    create.add_argument("--megapixels", default="1", choices=MEGAPIXELS)
    create.add_argument("--no-save", action="store_true", help="do not store; write the images to --output-dir")
    create.add_argument("--output-dir", type=Path, help="also write each image file here")
    create.add_argument("--by", metavar="WHO", help="who made it (default: the operating-system user)")
    add_language_option(create)
    create.add_argument("--translate", action="store_true", help="speech in another language: draw from its English")
    create.add_argument("--improve-prompt", action="store_true", help="rewrite the prompt in detail (PROMPT_TEMPLATE)")

    history = commands.add_parser("history", help="saved records, newest first")
    history.add_argument("--search", help="words that must appear in prompt, caption or transcript")
    history.add_argument("--since", type=date.fromisoformat, metavar="YYYY-MM-DD")
    history.add_argument("--until", type=date.fromisoformat, metavar="YYYY-MM-DD")
    history.add_argument("--limit", type=_non_negative, metavar="N", help="at most N records (default: every match)")
    history.add_argument("--offset", type=_non_negative, default=0)
    history.add_argument("--oldest-first", action="store_true")
    gallery_cli.add_history_filters(history)
    meaning_cli.add_meaning_options(history)

    transcribe = commands.add_parser("transcribe", help="print the transcript of an audio file")
    transcribe.add_argument("path", type=Path)
    add_language_option(transcribe)
    transcribe.add_argument("--translate", action="store_true", help="also print the English (PROMPT_MODEL)")

    check = commands.add_parser("check", help="report on database, storage, Replicate and models")
    check.add_argument("--load-models", action="store_true", help="load the models too (slow)")

    commands.add_parser("migrate", help="apply database migrations")
    gallery_cli.add_gallery_commands(commands)
    meaning_cli.add_reindex_command(commands)
    add_edit_command(commands)
    add_share_command(commands)
    add_drafts_command(commands)

    gc = commands.add_parser("gc", help="remove stored objects that no record points to")
    gc.add_argument("--older-than", type=_minutes, default=60, metavar="MINUTES", help="grace period (60)")
    gc.add_argument("--dry-run", action="store_true", help="only list what would be removed")
    return parser


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be zero or more")
    return value


def _minutes(text: str) -> int:
    value = _non_negative(text)
    if value > 10**8:  # about 190 years; more would overflow a timedelta
        raise argparse.ArgumentTypeError("must be at most 100000000 minutes")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    secrets: tuple[Secret, ...] = ()
    try:
        settings = load_settings()
        secrets = settings.secret_values
        install_log_redaction(secrets)
        return commands.run(args, settings)
    except (InputError, AudioError, InvalidSetting) as exc:
        print(f"error: {redact(str(exc), secrets)}", file=sys.stderr)
        return BAD_INPUT
    except AppError as exc:
        print(f"error: {redact(str(exc), secrets)}", file=sys.stderr)
        return FAILURE
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return FAILURE
    except Exception as exc:  # a bug: one line for the user, the traceback only when asked for
        if os.environ.get("CORE_DEBUG"):
            raise
        print(
            f"error: unexpected {type(exc).__name__}: {redact(str(exc), secrets)} (CORE_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return FAILURE
