"""Options several commands share."""

from __future__ import annotations

import argparse

from core.domain.languages import NAMES, spoken_language


def language_argument(value: str) -> str:
    """--language's value as a Whisper code; argparse exits 2 with the message, which names the unknown code."""
    try:
        return spoken_language(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_language_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--language",
        type=language_argument,
        metavar="CODE",
        help=f"the language spoken in the audio, which skips detection (one of: {' '.join(NAMES)})",
    )
