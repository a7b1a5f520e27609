"""Engines for SQLite and PostgreSQL, migrations on start, and a health check."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from core.db.error_messages import database_errors, host_port
from core.domain.errors import DatabaseError

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 5000
# Execution option asking SQLite for the write lock at BEGIN (see `_sqlite_engine`); PostgreSQL ignores it.
WRITE_TRANSACTION = "write_transaction"
POSTGRES_CONNECT_TIMEOUT_S = 5
_migrate_lock = threading.Lock()


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
        # SQLAlchemy, not the driver, starts transactions (in `_begin` below): the driver's own BEGIN is
        # deferred and comes only before the first write, so a read-modify-write could read stale data.
        dbapi_connection.isolation_level = None
        # SQLite's own lower() only folds ASCII; Python's makes ILIKE case-insensitive for any letter.
        dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if database and database != ":memory:":
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # A write transaction takes SQLite's write lock before its first read (BEGIN IMMEDIATE), so two
        # writers queue on the busy timeout instead of both reading and one overwriting the other's change.
        immediate = connection.get_execution_options().get(WRITE_TRANSACTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _unicode_lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def migrate(engine_or_url: Engine | str) -> None:
    """Bring the schema to the newest revision (`alembic upgrade head`), from any working folder."""
    engine = create_engine_for(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    # Alembic's module loading is not thread-safe; a process migrates one engine at a time.
    with (
        _migrate_lock,
        _sqlite_file_lock(engine.url),
        database_errors(engine, "updating the database schema"),
        engine.begin() as connection,
    ):
        if not _at_newest_revision(connection):
            _upgrade_to_newest(connection)
    if isinstance(engine_or_url, str):
        engine.dispose()


def _at_newest_revision(connection: Connection) -> bool:
    """A database already migrated needs one small query, not Alembic's environment and every revision file."""
    from alembic.runtime.migration import MigrationContext

    current = MigrationContext.configure(connection).get_current_heads()
    return bool(current) and frozenset(current) == _newest_revisions()


def _upgrade_to_newest(connection: Connection) -> None:
    """`alembic upgrade head` on this connection; migrations/env.py takes PostgreSQL's advisory lock and reads
    the revision again under it, so two processes that both found an old schema still migrate it once."""
    from alembic import command

    config = _alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


@functools.cache
def _newest_revisions() -> frozenset[str]:
    """The head revision(s), read from the revision files once per process."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory.from_config(_alembic_config()).get_heads())


def _alembic_config() -> AlembicConfig:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


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
            where = f"PostgreSQL {str(version).split()[0]} at {host_port(engine.url)}/{engine.url.database}"
        else:
            version = connection.execute(text("SELECT sqlite_version()")).scalar_one()
            where = f"{engine.dialect.name} {version} at {engine.url.database or 'memory'}"
        tables = inspect(connection).get_table_names()
        if "alembic_version" not in tables:
            return f"{where}; schema not migrated yet (run `python -m core migrate`)"
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        count = connection.execute(text("SELECT count(*) FROM image_records")).scalar_one()
        return f"{where}; schema revision {revision}; {count} images"


class SqlDatabase:
    """The Database port over one SQLAlchemy engine, which stays inside core.db and core.app.services."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def check(self) -> str:
        return check_database(self.engine)

    def migrate(self) -> None:
        migrate(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()
