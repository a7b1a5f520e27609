"""DATABASE_URL: only the databases and drivers the app ships, and never shown with its credentials."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from core.domain.errors import InvalidSetting

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

SUPPORTED_DATABASES = ("postgresql", "sqlite")
SUPPORTED_DRIVERS = ("postgresql+psycopg", "sqlite", "sqlite+pysqlite")  # what requirements.txt installs
# Query parameters that carry credentials: password, sslpassword, tokens, keys...
_SECRET_PARAMETER = re.compile(r"pass|pwd|secret|token|key|auth|credential", re.IGNORECASE)
MASK = "***"


def checked_database_url(url: str) -> str:
    """`url` for psycopg 3 or SQLite, or an InvalidSetting naming the URLs that work."""
    try:
        parsed = _parsed(url)
    except Exception:
        raise InvalidSetting(
            "DATABASE_URL is not a valid SQLAlchemy URL; use e.g. postgresql+psycopg://user:password@host/db."
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        # Plain postgresql:// would ask for psycopg2; the app ships psycopg 3.
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in SUPPORTED_DATABASES:
        raise InvalidSetting(
            f"DATABASE_URL names an unsupported database ({parsed.get_backend_name()!r}): "
            "use postgresql://user:password@host/db or sqlite:///path/to/app.db."
        )
    if parsed.drivername not in SUPPORTED_DRIVERS:
        raise InvalidSetting(
            f"DATABASE_URL asks for the driver {parsed.drivername!r}, which does not come with this app: "
            "use postgresql://user:password@host/db (psycopg 3) or sqlite:///path/to/app.db."
        )
    return parsed.render_as_string(hide_password=False)


def database_url_secrets(url: str) -> list[str]:
    """The password and every credential-like query parameter's value in a database URL."""
    parsed = _parsed(url)
    found = [str(parsed.password)] if parsed.password else []
    for name, value in parsed.query.items():
        if _SECRET_PARAMETER.search(name):
            found.extend(v for v in ((value,) if isinstance(value, str) else value) if v)
    return found


def mask_database_url(url: str) -> str:
    """The URL to show: its password and credential-like query parameters replaced by a mask."""
    parsed = _parsed(url)
    query = {name: MASK if _SECRET_PARAMETER.search(name) else value for name, value in parsed.query.items()}
    # The mask is URL-quoted when rendered; shown as typed it reads as a mask, not as %2A%2A%2A.
    return parsed.set(query=query).render_as_string(hide_password=True).replace("%2A%2A%2A", MASK)


def _parsed(url: str) -> URL:
    # Imported here: SQLAlchemy costs about 0.3 s, and a process that never opens the database (transcribe)
    # should not pay for it.
    from sqlalchemy.engine import make_url

    return make_url(url)
