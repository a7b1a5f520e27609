"""Database URLs as they may be shown: passwords and credential-like query parameters masked or collected."""

from __future__ import annotations

import re

from sqlalchemy.engine import make_url

_SECRET_PARAMETER = re.compile(r"pass|pwd|secret|token|key|auth|credential", re.IGNORECASE)
MASK = "***"


def database_url_secrets(url: str) -> list[str]:
    """The password and every credential-like query parameter's value in a database URL."""
    parsed = make_url(url)
    found = [str(parsed.password)] if parsed.password else []
    for name, value in parsed.query.items():
        if _SECRET_PARAMETER.search(name):
            found.extend(v for v in ((value,) if isinstance(value, str) else value) if v)
    return found


def mask_database_url(url: str) -> str:
    """The URL to show: its password and credential-like query parameters replaced by a mask."""
    parsed = make_url(url)
    query = {name: MASK if _SECRET_PARAMETER.search(name) else value for name, value in parsed.query.items()}
    # The mask is URL-quoted when rendered; shown as typed it reads as a mask, not as %2A%2A%2A.
    return parsed.set(query=query).render_as_string(hide_password=True).replace("%2A%2A%2A", MASK)
