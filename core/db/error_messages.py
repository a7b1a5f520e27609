"""Database failures as messages a person can act on, with credentials scrubbed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError

from core.domain.errors import DatabaseError


@contextmanager
def database_errors(engine: Engine, action: str) -> Iterator[None]:
    """Turn driver and SQLAlchemy failures into a DatabaseError that says what to do, without secrets."""
    try:
        yield
    except SQLAlchemyError as exc:
        raise DatabaseError(explain_database_error(exc, engine.url, action)) from None


def explain_database_error(exc: BaseException, url: URL, action: str) -> str:
    """A user-facing sentence for a database failure; the password never appears in it."""
    original = getattr(exc, "orig", None) or exc
    raw = _first_line(str(original))
    detail = raw.lower()
    sqlstate = getattr(original, "sqlstate", None) or ""
    if url.get_backend_name() == "sqlite":
        where = url.database or "memory"
        if "no such table" in detail:
            return f"The database at {where} has no image_records table yet: run `python -m core migrate`."
        if "locked" in detail or "busy" in detail:
            return f"The SQLite database at {where} is busy with another writer: try again in a moment."
        if "unable to open" in detail or "readonly" in detail or "read-only" in detail:
            return f"Cannot open the SQLite database at {where}: check DATA_DIR exists and is writable."
        return f"The SQLite database at {where} failed while {action}: {_scrub(raw, url)}"
    where = host_port(url)
    # Failures while connecting carry no SQLSTATE in psycopg, only the server's FATAL text.
    connecting = not sqlstate
    login_refused = any(marker in detail for marker in ("password authentication failed", "no password supplied"))
    unknown_role = "role" in detail and "does not exist" in detail
    if sqlstate.startswith("28") or (connecting and (login_refused or unknown_role)):
        return (
            f"PostgreSQL at {where} refused the login for user '{url.username}': "
            "check DB_USER and DB_PASSWORD (or DATABASE_URL)."
        )
    if sqlstate == "3D000" or (connecting and "database" in detail and "does not exist" in detail):
        return f"Database '{url.database}' does not exist on PostgreSQL at {where}: create it or check DB_NAME."
    if sqlstate == "42P01":
        return f"The database '{url.database}' has no image_records table yet: run `python -m core migrate`."
    if sqlstate == "42501":
        return f"User '{url.username}' lacks a permission on PostgreSQL at {where} while {action}: {_scrub(raw, url)}"
    if connecting and _looks_unreachable(detail):
        return (
            f"Cannot reach PostgreSQL at {where} — is it running? "
            "Check DB_HOST and DB_PORT (or DATABASE_URL) and the network."
        )
    return f"The database at {where} failed while {action}: {_scrub(raw, url)}"


def _looks_unreachable(detail: str) -> bool:
    markers = (
        "connection refused",
        "could not connect",
        "connection failed",
        "timeout",
        "timed out",
        "name or service not known",
        "could not translate host",
        "no route to host",
        "server closed",
    )
    return any(marker in detail for marker in markers)


def host_port(url: URL) -> str:
    return f"{url.host or 'localhost'}:{url.port or 5432}"


def _first_line(message: str) -> str:
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return lines[0][:300] if lines else "unknown error"


def _scrub(message: str, url: URL) -> str:
    """Remove the password (and any URL carrying credentials) from a driver message."""
    message = re.sub(r"://[^\s/@]+@", "://***@", message)
    message = re.sub(r"password\s*=\s*\S+", "password=***", message, flags=re.IGNORECASE)
    if url.password:
        message = message.replace(str(url.password), "***")
    return message
