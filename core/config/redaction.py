"""Keep secrets out of anything shown or logged, whatever code path produced the text."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from core.config.settings import Secret

MASK = "********"


def redact(text: str, secrets: Iterable[Secret]) -> str:
    """Replace every revealed secret value in `text` with a mask (longest first)."""
    for value in sorted((s.reveal() for s in secrets), key=len, reverse=True):
        if len(value) >= 4:  # masking "a" or "ab" would garble ordinary words without protecting anything
            text = text.replace(value, MASK)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that masks secrets in messages and their arguments."""

    def __init__(self, secrets: Iterable[Secret]) -> None:
        super().__init__()
        self.secrets = tuple(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args = redact(message, self.secrets), None
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        return True


def install_log_redaction(secrets: Iterable[Secret]) -> None:
    """Attach the filter to every root handler, once, so no log line carries a secret."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO)
    secrets = tuple(secrets)
    for handler in root.handlers:
        for existing in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
            handler.removeFilter(existing)
        handler.addFilter(RedactingFilter(secrets))
