"""Alembic migrations on SQLite and PostgreSQL: fresh schema, adopting the Gradio table, search index, upgrades."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Column, DateTime, Engine, Integer, MetaData, String, Table, event, insert, inspect, text

from core.db.engine import create_engine_for, migrate
from core.db.repository import RecordRepository
from core.db.schema import Base
from core.domain.errors import DatabaseError
from core.domain.records import HistoryQuery, NewRecord
from tests.fixtures.migration_steps import downgrade, upgrade

SEED_COLUMNS = ["id", "prompt", "image_filename", "description", "created_at"]
TRIGRAM_INDEX = "ix_image_records_search_trgm"
HEAD_REVISION = "0015"


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine_for(database_url)
    yield engine
    engine.dispose()


def revision_of(engine: Engine) -> str:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() or ""


def schema_of(engine: Engine) -> tuple[list[str], list[str]]:
    inspector = inspect(engine)
    columns = [column["name"] for column in inspector.get_columns("image_records")]
    indexes = sorted(str(index["name"]) for index in inspector.get_indexes("image_records"))
    return columns, indexes


def create_gradio_table(engine: Engine) -> Table:
    """The table exactly as the Gradio app's db_config.py made it: seed columns, naive timestamps."""
    metadata = MetaData()
    table = Table(
        "image_records",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("prompt", String),
        Column("image_filename", String),
        Column("description", String),
        Column("created_at", DateTime),
    )
    metadata.create_all(engine)
    return table


def test_migrate_creates_image_records_with_the_seed_columns_first(engine: Engine) -> None:
    migrate(engine)

    columns, indexes = schema_of(engine)
    assert columns[:5] == SEED_COLUMNS
    assert {"transcript", "thumbnail_filename", "timings_ms", "idempotency_key", "seed"} <= set(columns)
    assert {"ix_image_records_created_at", "ix_image_records_idempotency_key"} <= set(indexes)
    assert revision_of(engine) == HEAD_REVISION


def test_migrate_accepts_a_url_and_needs_no_alembic_ini(sqlite_url: str, tmp_path: Path) -> None:
    assert not (tmp_path / "alembic.ini").exists()  # the working folder is an empty tmp_path

    migrate(sqlite_url)

    engine = create_engine_for(sqlite_url)
    try:
        assert revision_of(engine) == HEAD_REVISION
    finally:
        engine.dispose()


def test_upgrading_twice_changes_nothing(engine: Engine) -> None:
    migrate(engine)
    RecordRepository(engine).add(record=NewRecord("a kite", "k.webp", "a kite", "key-1"))
    before = schema_of(engine)

    migrate(engine)

    assert schema_of(engine) == before
    assert revision_of(engine) == HEAD_REVISION
    assert RecordRepository(engine).search(query=HistoryQuery()).total == 1


def test_a_database_at_the_newest_revision_is_left_alone_and_an_older_one_is_upgraded(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrate(engine)
    upgrades: list[str] = []
    real_upgrade = command.upgrade

    def recorded_upgrade(config: Config, target: str) -> None:
        upgrades.append(target)
        real_upgrade(config, target)

    monkeypatch.setattr(command, "upgrade", recorded_upgrade)

    migrate(engine)  # every process start does this: one query, no Alembic environment
    assert upgrades == []

    downgrade(engine, "0014")
    migrate(engine)

    assert upgrades == ["head"]
    assert revision_of(engine) == HEAD_REVISION


def test_the_orm_model_matches_the_migrated_schema(engine: Engine) -> None:
    migrate(engine)

    def ignore_search_index(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
        return name != TRIGRAM_INDEX

    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": ignore_search_index}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_migrate_adopts_the_gradio_table_and_keeps_its_rows(engine: Engine) -> None:
    table = create_gradio_table(engine)
    with engine.begin() as connection:
        connection.execute(
            insert(table),
            [
                {
                    "prompt": "old castle",
                    "image_filename": "a.png",
                    "description": "a castle",
                    "created_at": datetime(2024, 2, 1, 8, 30),
                },
                {
                    "prompt": "old boat",
                    "image_filename": "b.png",
                    "description": None,
                    "created_at": datetime(2024, 2, 2, 23, 59, 59),
                },
            ],
        )

    migrate(engine)

    repository = RecordRepository(engine)
    page = repository.search(query=HistoryQuery(newest_first=False))
    assert [(r.prompt, r.image_filename, r.description) for r in page.records] == [
        ("old castle", "a.png", "a castle"),
        ("old boat", "b.png", ""),
    ]
    # The Gradio app stored naive datetime.utcnow() values; they come back as the same UTC instants.
    assert [r.created_at for r in page.records] == [
        datetime(2024, 2, 1, 8, 30, tzinfo=UTC),
        datetime(2024, 2, 2, 23, 59, 59, tzinfo=UTC),
    ]
    saved, inserted = repository.add(record=NewRecord("new boat", "c.webp", "a boat", "key-new"))
    assert inserted and saved.id > max(r.id for r in page.records)
    assert repository.search(query=HistoryQuery(search="boat")).total == 2
    assert revision_of(engine) == HEAD_REVISION


def test_downgrading_to_base_returns_to_the_gradio_shape_and_keeps_rows(engine: Engine) -> None:
    migrate(engine)
    RecordRepository(engine).add(record=NewRecord("a kite", "k.webp", "a kite", "key-1"))
    downgrade(engine, "base")

    assert schema_of(engine)[0] == SEED_COLUMNS
    with engine.connect() as connection:
        assert connection.execute(text("SELECT prompt FROM image_records")).scalars().all() == ["a kite"]

    migrate(engine)

    assert RecordRepository(engine).search(query=HistoryQuery(search="kite")).total == 1


def test_a_foreign_table_named_image_records_is_refused_with_a_reason(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE image_records (id INTEGER PRIMARY KEY, url TEXT)"))

    with pytest.raises(DatabaseError, match="lacks prompt, image_filename, description, created_at"):
        migrate(engine)


@pytest.mark.postgres
def test_postgresql_gets_a_trigram_index_that_search_queries_use(postgres_url: str) -> None:
    engine = create_engine_for(postgres_url)
    try:
        migrate(engine)
        with engine.begin() as connection:
            # Enough rows of varied text that the planner prefers the index for a rare word.
            connection.execute(
                text(
                    "INSERT INTO image_records (prompt, image_filename, description, transcript, created_at) "
                    "SELECT 'a painting of item ' || n || CASE WHEN n % 500 = 0 THEN ' zeppelin' ELSE '' END, "
                    "n || '.webp', 'caption number ' || md5(n::text), NULL, now() - n * interval '1 minute' "
                    "FROM generate_series(1, 5000) AS n"
                )
            )
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            # As autovacuum would: merges GIN's pending list, without which the index looks expensive.
            connection.execute(text("VACUUM ANALYZE image_records"))
        statements: list[tuple[str, object]] = []

        def remember(conn: object, cursor: object, statement: str, parameters: object, *_: object) -> None:
            statements.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", remember)
        page = RecordRepository(engine).search(query=HistoryQuery(search="Zeppelin", limit=10))
        event.remove(engine, "before_cursor_execute", remember)

        assert page.total == 10
        searches = [(s, p) for s, p in statements if "ILIKE" in s]
        assert searches
        with engine.connect() as connection:
            for statement, parameters in searches:
                plan = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars().all()
                assert any(TRIGRAM_INDEX in line for line in plan), "\n".join(plan)
    finally:
        engine.dispose()


def test_upgrading_a_saved_history_adopts_its_rows_unstarred_untagged_and_without_an_author(engine: Engine) -> None:
    upgrade(engine, "0002")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO image_records (prompt, image_filename, description, created_at) "
                "VALUES ('an old kite', 'k.webp', 'a kite', CURRENT_TIMESTAMP)"
            )
        )

    migrate(engine)

    repository = RecordRepository(engine)
    (old,) = repository.search(query=HistoryQuery()).records
    assert (old.starred, old.tags, old.created_by) == (False, (), None)
    repository.add_tags(record_ids=[old.id], tags=["kite"])
    repository.set_starred(record_ids=[old.id], starred=True)
    assert [r.id for r in repository.search(query=HistoryQuery(tags=("kite",), starred=True)).records] == [old.id]


def test_upgrading_a_saved_history_adopts_its_rows_without_quality_or_megapixels(engine: Engine) -> None:
    upgrade(engine, "0003")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO image_records (prompt, image_filename, description, created_at, aspect_ratio, seed) "
                "VALUES ('an old kite', 'k.webp', 'a kite', CURRENT_TIMESTAMP, '3:2', 7)"
            )
        )

    migrate(engine)

    repository = RecordRepository(engine)
    (old,) = repository.search(query=HistoryQuery()).records
    assert (old.prompt, old.aspect_ratio, old.seed) == ("an old kite", "3:2", 7)
    assert (old.output_quality, old.megapixels) == (None, None)
    new, _ = repository.add(
        record=NewRecord("a new kite", "n.webp", "a kite", "key-new", output_quality=55, megapixels="0.25")
    )
    assert (new.output_quality, new.megapixels) == (55, "0.25")
    assert revision_of(engine) == HEAD_REVISION
