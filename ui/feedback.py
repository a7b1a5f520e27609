"""Showing failures: a clear message inline, secrets masked, tracebacks only in the server log."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from core.config import Secret
from core.errors import AppError
from core.redaction import redact

log = logging.getLogger(__name__)
T = TypeVar("T")


def show_error(exc: BaseException, secrets: tuple[Secret, ...] = ()) -> None:
    if isinstance(exc, AppError):
        st.error(redact(str(exc), secrets), icon="⚠️")
    else:
        log.exception("Unexpected failure")
        st.error("Something unexpected went wrong. Try again; if it keeps happening, check the server log.", icon="⚠️")


def attempt(action: Callable[[], T], secrets: tuple[Secret, ...] = ()) -> T | None:
    """Run `action`; show any failure inline and return None instead of crashing the page."""
    try:
        return action()
    except Exception as exc:
        show_error(exc, secrets)
        return None
