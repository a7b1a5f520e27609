"""The `image_records` table, engines for SQLite and PostgreSQL, migrations and a health check."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    Engine,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    create_engine,
    event,
    false,
    inspect,
    make_url,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.errors import DatabaseError
from core.records import RECORD_FIELDS

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 5000
POSTGRES_CONNECT_TIMEOUT_S = 5


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back timezone-aware, SQLite included."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("created_at must be timezone-aware")
        # SQLite drops the offset when storing, so everything must already be UTC to compare as text.
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)


# The tags column: a text[] on PostgreSQL, a JSON list on SQLite (core/tags.py says why).
TAG_LIST = ARRAY(String(64)).with_variant(JSON(), "sqlite")


class Base(DeclarativeBase):
    pass


class ImageRecord(Base):
    """One saved image: the seed columns of the Gradio app under their seed names, then extras."""

    __tablename__ = "image_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    prompt: Mapped[str] = mapped_column(Text)
    image_filename: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utc_now, index=True)
    transcript: Mapped[str | None] = mapped_column(Text)
    thumbnail_filename: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(64))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    seed: Mapped[int | None] = mapped_column(BigInteger)
    aspect_ratio: Mapped[str | None] = mapped_column(String(16))
    output_format: Mapped[str | None] = mapped_column(String(16))
    output_quality: Mapped[int | None] = mapped_column(Integer)
    megapixels: Mapped[str | None] = mapped_column(String(16))
    image_model: Mapped[str | None] = mapped_column(String(255))
    caption_model: Mapped[str | None] = mapped_column(String(255))
    speech_model: Mapped[str | None] = mapped_column(String(255))
    timings_ms: Mapped[dict[str, float] | None] = mapped_column(JSON(none_as_null=True))
    idempotency_key: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str | None] = mapped_column(String(255))
    starred: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Sorted, distinct, normalized (core.records.normalize_tags); see core/tags.py for why an array.
    tags: Mapped[list[str]] = mapped_column(TAG_LIST, default=list, nullable=False)

    # A unique index rather than a constraint: SQLite can add one to an adopted seed table in place.
    # The other indexes (migration 0003) serve "starred" and "made by" filters in the History order.
    __table_args__ = (
        Index("ix_image_records_idempotency_key", "idempotency_key", unique=True),
        Index("ix_image_records_starred_created_at", "starred", "created_at"),
        Index("ix_image_records_created_by_created_at", "created_by", "created_at"),
        Index("ix_image_records_tags", "tags", postgresql_using="gin"),
    )


def _check_mapping() -> None:
    """The ORM maps every field of core.records.RecordFields: the record's shape is defined there, once."""
    mapped = set(ImageRecord.__table__.columns.keys()) - {"id", "created_at", "tags"}
    if mapped != set(RECORD_FIELDS):
        raise RuntimeError(f"image_records columns and RecordFields differ: {sorted(mapped ^ set(RECORD_FIELDS))}")


_check_mapping()


def create_engine_for(url: str) -> Engine:
    """An engine tuned per backend: SQLite in WAL mode with a busy timeout, PostgreSQL failing fast."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError("The database URL is not valid: check DATABASE_URL or the DB_* variables.") from exc
    try:
        if parsed.get_backend_name() == "sqlite":
            return _sqlite_engine(parsed)
        if parsed.get_backend_name() == "postgresql":
            return create_engine(
                parsed, pool_pre_ping=True, connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S}
            )
        return create_engine(parsed, pool_pre_ping=True)
    except SQLAlchemyError as exc:
        raise DatabaseError(
            f"Cannot use the database driver '{parsed.drivername}': install it or use "
            "postgresql+psycopg:// or sqlite:/// in DATABASE_URL."
        ) from exc


def _sqlite_engine(url: URL) -> Engine:
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        try:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(
                f"Cannot create the folder for the SQLite database {database}: check DATA_DIR is writable."
            ) from exc
    engine = create_engine(url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: object) -> None:
        # SQLite's own lower() only folds ASCII; Python's makes ILIKE case-insensitive for any letter.
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if database and database != ":memory:":
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    return engine


def _unicode_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


_migrate_lock = threading.Lock()


def migrate(engine_or_url: Engine | str) -> None:
    """Bring the schema to the newest revision (`alembic upgrade head`), from any working folder."""
    from alembic import command
    from alembic.config import Config

    engine = create_engine_for(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Alembic's module loading is not thread-safe; a process migrates one engine at a time.
    with (
        _migrate_lock,
        _sqlite_file_lock(engine.url),
        database_errors(engine, "updating the database schema"),
        engine.begin() as connection,
    ):
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    if isinstance(engine_or_url, str):
        engine.dispose()


@contextmanager
def _sqlite_file_lock(url: URL) -> Iterator[None]:
    """Across processes, one migration at a time on an SQLite file (PostgreSQL uses an advisory lock).

    SQLite's own locking does not cover Alembic's read-then-write of alembic_version: two first runs
    both see an empty database and both try to create the schema.
    """
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or not database or database == ":memory:" or database.startswith("file:"):
        yield
        return
    import fcntl  # POSIX only, like the servers this runs on

    lock_path = Path(database).expanduser().with_name(Path(database).name + ".lock")
    try:
        lock_file = open(lock_path, "a+b")  # noqa: SIM115 - held open for the lock's lifetime
    except OSError as exc:
        raise DatabaseError(
            f"Cannot create the lock file {lock_path} beside the SQLite database: check DATA_DIR is writable."
        ) from exc
    with lock_file:
        fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)  # released when the file closes, even on a crash
        yield


def check_database(engine: Engine) -> str:
    """A one-line description of the reachable database, or a DatabaseError saying what to do."""
    with database_errors(engine, "checking the database"), engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            version = connection.execute(text("SHOW server_version")).scalar_one()
            where = f"PostgreSQL {str(version).split()[0]} at {_host_port(engine.url)}/{engine.url.database}"
        else:
            version = connection.execute(text("SELECT sqlite_version()")).scalar_one()
            where = f"{engine.dialect.name} {version} at {engine.url.database or 'memory'}"
        tables = inspect(connection).get_table_names()
        if "alembic_version" not in tables:
            return f"{where}; schema not migrated yet (run `python -m core migrate`)"
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        count = connection.execute(text("SELECT count(*) FROM image_records")).scalar_one()
        return f"{where}; schema revision {revision}; {count} images"


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
    where = _host_port(url)
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


def _host_port(url: URL) -> str:
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
