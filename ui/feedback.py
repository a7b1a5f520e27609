"""Showing failures: a clear message inline, secrets masked, tracebacks only in the server log."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from core.config.redaction import redact
from core.config.settings import Secret
from core.domain.errors import AppError
from ui import outside_text

log = logging.getLogger(__name__)
T = TypeVar("T")


UNEXPECTED = "Something unexpected went wrong. Try again; if it keeps happening, check the server log."


def user_message(exc: BaseException, secrets: tuple[Secret, ...] = ()) -> str:
    """What to tell the user about `exc`: an AppError's own advice, masked; for anything else a generic line
    (the traceback goes to the server log, never to the page)."""
    if isinstance(exc, AppError):
        return redact(str(exc), secrets)
    log.error("Unexpected failure", exc_info=exc)
    return UNEXPECTED


def show_error(exc: BaseException, secrets: tuple[Secret, ...] = ()) -> None:
    outside_text.error(user_message(exc, secrets))  # an AppError may quote a service's own words


def attempt(action: Callable[[], T], secrets: tuple[Secret, ...] = ()) -> T | None:
    """Run `action`; show any failure inline and return None instead of crashing the page."""
    try:
        return action()
    except Exception as exc:
        show_error(exc, secrets)
        return None
