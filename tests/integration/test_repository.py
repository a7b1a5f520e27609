"""RecordRepository on SQLite and PostgreSQL: idempotent saves, literal search, paging, stats, errors."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from core.db.engine import check_database, create_engine_for
from core.db.repository import RecordRepository
from core.db.schema import ImageRecord
from core.domain.errors import DatabaseError, InputError
from core.domain.records import HistoryQuery, ImageRecordView, NewRecord
from tests.fixtures.migration_steps import newest_revision
from tests.fixtures.postgres_databases import postgres_database_url


def new_record(**fields: object) -> NewRecord:
    values: dict[str, object] = {
        "prompt": "a quiet harbour at dawn",
        "image_filename": f"{uuid.uuid4()}.webp",
        "description": "boats in a harbour",
        "idempotency_key": uuid.uuid4().hex,
    }
    values.update(fields)
    return NewRecord(**values)  # type: ignore[arg-type]


def save(repository: RecordRepository, engine: Engine, *, at: datetime | None = None, **fields: object) -> int:
    """Insert a record, optionally moving its creation time (NewRecord has none: the database stamps it)."""
    view, inserted = repository.add(record=new_record(**fields))
    assert inserted
    if at is not None:
        with engine.begin() as connection:
            connection.execute(update(ImageRecord).where(ImageRecord.id == view.id).values(created_at=at))
    return view.id


def ids(records: list[ImageRecordView]) -> list[int]:
    return [record.id for record in records]


def search_ids(repository: RecordRepository, **query: object) -> list[int]:
    return ids(repository.search(query=HistoryQuery(**query)).records)  # type: ignore[arg-type]


def test_add_saves_every_field_and_reads_it_back_with_a_utc_time(repository: RecordRepository) -> None:
    record = new_record(
        transcript="a quiet harbour at dawn please",
        thumbnail_filename="thumb.webp",
        content_type="image/webp",
        width=1024,
        height=768,
        size_bytes=123_456,
        seed=4_000_000_000,
        aspect_ratio="4:3",
        output_format="webp",
        image_model="black-forest-labs/flux-schnell",
        caption_model="Salesforce/blip-image-captioning-base",
        speech_model="openai/whisper-base",
        timings_ms={"transcribe": 812.5, "generate": 2400.0},
    )
    before = datetime.now(UTC)
    saved, inserted = repository.add(record=record)
    stored = repository.get(record_id=saved.id)

    assert inserted
    assert stored == saved
    assert stored.created_at.tzinfo == UTC
    assert before - timedelta(seconds=1) <= stored.created_at <= datetime.now(UTC) + timedelta(seconds=1)
    assert (stored.prompt, stored.seed, stored.timings_ms) == (record.prompt, 4_000_000_000, record.timings_ms)
    assert stored.speech_model == "openai/whisper-base"


def test_adding_the_same_idempotency_key_twice_keeps_the_first_row(repository: RecordRepository) -> None:
    first, first_inserted = repository.add(record=new_record(idempotency_key="rerun", prompt="first"))
    again, again_inserted = repository.add(record=new_record(idempotency_key="rerun", prompt="second"))

    assert (first_inserted, again_inserted) == (True, False)
    assert again == first
    assert repository.search(query=HistoryQuery()).total == 1
    assert repository.find_by_idempotency_key(key="rerun") == first
    assert repository.find_by_idempotency_key(key="never-used") is None


def test_concurrent_saves_with_one_key_insert_one_row_and_all_return_it(repository: RecordRepository) -> None:
    barrier = threading.Barrier(6)
    results: list[tuple[ImageRecordView, bool]] = []
    errors: list[BaseException] = []

    def save_once(n: int) -> None:
        barrier.wait()
        try:
            results.append(repository.add(record=new_record(idempotency_key="double-click", prompt=f"try {n}")))
        except BaseException as exc:  # collected so the assertion below shows it
            errors.append(exc)

    threads = [threading.Thread(target=save_once, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(inserted for _, inserted in results) == 1
    assert len({view.id for view, _ in results}) == 1
    assert repository.search(query=HistoryQuery()).total == 1


def test_add_refuses_a_record_without_idempotency_key_as_a_programming_error(repository: RecordRepository) -> None:
    with pytest.raises(ValueError, match="idempotency key"):
        repository.add(record=new_record(idempotency_key=""))


def test_search_finds_words_in_prompt_caption_or_transcript(
    repository: RecordRepository, migrated_engine: Engine
) -> None:
    in_prompt = save(repository, migrated_engine, prompt="a red lighthouse", description="tower", transcript=None)
    in_caption = save(repository, migrated_engine, prompt="coast", description="a LIGHTHOUSE on rocks")
    in_transcript = save(repository, migrated_engine, prompt="coast", description="sea", transcript="Lighthouse please")
    save(repository, migrated_engine, prompt="a forest", description="trees", transcript="forest")

    found = repository.search(query=HistoryQuery(search="lighthouse", newest_first=False))

    assert ids(found.records) == [in_prompt, in_caption, in_transcript]
    assert found.total == 3


def test_search_ignores_case_beyond_ascii(repository: RecordRepository, migrated_engine: Engine) -> None:
    match = save(repository, migrated_engine, prompt="Über den Wolken", description="ÉTÉ à Paris")

    assert search_ids(repository, search="über") == [match]
    assert search_ids(repository, search="été") == [match]


@pytest.mark.parametrize(
    ("text", "literal", "not_matched_by_wildcard"),
    [
        ("100% cotton", "100%", "100 cotton"),
        ("file a_b.png", "a_b", "file axb.png"),
        ("the painter's house", "painter's", "painters house"),
        (r"C:\images\cat", r"C:\images", "C:/images/cat"),
        ("slash/escape", "h/e", "slash escape"),
    ],
)
def test_search_matches_special_characters_literally(
    repository: RecordRepository, migrated_engine: Engine, text: str, literal: str, not_matched_by_wildcard: str
) -> None:
    wanted = save(repository, migrated_engine, prompt=text)
    save(repository, migrated_engine, prompt=not_matched_by_wildcard)

    assert search_ids(repository, search=literal) == [wanted]


def test_search_with_several_words_needs_all_of_them_anywhere(
    repository: RecordRepository, migrated_engine: Engine
) -> None:
    both_in_prompt = save(repository, migrated_engine, prompt="red fox in snow", description="animal")
    split_across = save(repository, migrated_engine, prompt="a red barn", description="a fox nearby")
    save(repository, migrated_engine, prompt="red barn", description="cows")
    save(repository, migrated_engine, prompt="fox", description="grey")

    assert sorted(search_ids(repository, search="  FOX   red ")) == sorted([both_in_prompt, split_across])


def test_search_by_utc_days_includes_both_boundary_days_whole(
    repository: RecordRepository, migrated_engine: Engine
) -> None:
    def at(text: str) -> datetime:
        return datetime.fromisoformat(text)

    before_since = save(repository, migrated_engine, at=at("2024-05-08T23:59:59.999999+00:00"))
    start_of_since = save(repository, migrated_engine, at=at("2024-05-09T00:00:00+00:00"))
    end_of_until = save(repository, migrated_engine, at=at("2024-05-10T23:59:59+00:00"))
    # 01:30 in UTC+2 is still 23:30 UTC of the `until` day.
    late_elsewhere = save(
        repository, migrated_engine, at=datetime(2024, 5, 11, 1, 30, tzinfo=timezone(timedelta(hours=2)))
    )
    after_until = save(repository, migrated_engine, at=at("2024-05-11T00:00:00+00:00"))

    window = search_ids(repository, since=date(2024, 5, 9), until=date(2024, 5, 10), newest_first=False)

    assert window == [start_of_since, late_elsewhere, end_of_until]
    assert search_ids(repository, until=date(2024, 5, 8)) == [before_since]
    assert search_ids(repository, since=date(2024, 5, 11)) == [after_until]


def test_search_sorts_newest_or_oldest_first_breaking_ties_by_id(
    repository: RecordRepository, migrated_engine: Engine
) -> None:
    same_time = datetime(2024, 1, 1, 12, tzinfo=UTC)
    old = save(repository, migrated_engine, at=datetime(2023, 6, 1, tzinfo=UTC))
    tie_a = save(repository, migrated_engine, at=same_time)
    tie_b = save(repository, migrated_engine, at=same_time)
    new = save(repository, migrated_engine, at=datetime(2025, 1, 1, tzinfo=UTC))

    assert search_ids(repository) == [new, tie_b, tie_a, old]
    assert search_ids(repository, newest_first=False) == [old, tie_a, tie_b, new]


def test_paging_returns_windows_while_total_counts_every_match(
    repository: RecordRepository, migrated_engine: Engine
) -> None:
    start = datetime(2024, 3, 1, tzinfo=UTC)
    saved = [save(repository, migrated_engine, at=start + timedelta(hours=n), prompt=f"kite {n}") for n in range(7)]
    save(repository, migrated_engine, prompt="not a match")
    newest_first = list(reversed(saved))

    pages = [repository.search(query=HistoryQuery(search="kite", limit=3, offset=offset)) for offset in (0, 3, 6, 9)]

    assert [ids(page.records) for page in pages] == [newest_first[:3], newest_first[3:6], newest_first[6:], []]
    assert [page.total for page in pages] == [7, 7, 7, 7]
    assert repository.latest(limit=2) == repository.search(query=HistoryQuery(limit=2)).records


def test_search_without_matches_is_an_empty_page(repository: RecordRepository, migrated_engine: Engine) -> None:
    save(repository, migrated_engine, prompt="a cat")

    page = repository.search(query=HistoryQuery(search="dog"))

    assert (page.records, page.total) == ([], 0)


def test_search_rejects_impossible_paging_and_reversed_days(repository: RecordRepository) -> None:
    with pytest.raises(InputError, match="between 1 and"):
        repository.search(query=HistoryQuery(limit=0))
    with pytest.raises(InputError, match="zero or more"):
        repository.search(query=HistoryQuery(offset=-1))
    with pytest.raises(InputError, match="swap"):
        repository.search(query=HistoryQuery(since=date(2024, 2, 1), until=date(2024, 1, 1)))


def test_delete_removes_only_that_record(repository: RecordRepository, migrated_engine: Engine) -> None:
    doomed = save(repository, migrated_engine)
    kept = save(repository, migrated_engine)

    assert repository.delete(record_id=doomed) is True
    assert repository.delete(record_id=doomed) is False
    assert repository.get(record_id=doomed) is None
    assert search_ids(repository) == [kept]


def test_update_description_changes_the_caption_and_what_search_finds(
    repository: RecordRepository, migrated_engine: Engine
) -> None:
    record_id = save(repository, migrated_engine, prompt="a shape", description="a blue square")

    updated = repository.update_description(record_id=record_id, description="a green circle")

    assert updated is not None and updated.description == "a green circle"
    assert repository.get(record_id=record_id) == updated
    assert search_ids(repository, search="circle") == [record_id]
    assert search_ids(repository, search="square") == []
    assert repository.update_description(record_id=record_id + 1000, description="x") is None


def test_stats_count_images_per_utc_day_and_average_stage_times(
    repository: RecordRepository, migrated_engine: Engine
) -> None:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    save(repository, migrated_engine, at=today + timedelta(minutes=1), timings_ms={"generate": 1000.0, "caption": 100})
    save(repository, migrated_engine, at=today + timedelta(minutes=2), timings_ms={"generate": 3000.0})
    save(repository, migrated_engine, at=today - timedelta(days=2), timings_ms={"generate": 5000.0})
    save(repository, migrated_engine, at=today - timedelta(days=40), timings_ms={"generate": 99_000.0})

    stats = repository.stats(days=3)

    assert stats.total == 4
    assert stats.images_per_day == [
        ((today - timedelta(days=2)).date(), 1),
        ((today - timedelta(days=1)).date(), 0),
        (today.date(), 2),
    ]
    assert stats.average_stage_ms == pytest.approx({"generate": 3000.0, "caption": 100.0})


def test_stats_of_an_empty_history_are_zeros(repository: RecordRepository) -> None:
    stats = repository.stats(days=2)

    assert (stats.total, [count for _, count in stats.images_per_day], stats.average_stage_ms) == (0, [0, 0], {})


def test_check_database_describes_the_schema_and_the_image_count(
    repository: RecordRepository, migrated_engine: Engine
) -> None:
    save(repository, migrated_engine)

    description = check_database(migrated_engine)

    assert f"revision {newest_revision()}" in description
    assert "1 images" in description


def test_an_unmigrated_database_says_to_run_migrate(database_url: str) -> None:
    engine = create_engine_for(database_url)
    try:
        with pytest.raises(DatabaseError, match="python -m core migrate"):
            RecordRepository(engine).search(query=HistoryQuery())
        assert "not migrated" in check_database(engine)
    finally:
        engine.dispose()


def test_unreachable_postgresql_names_host_and_port_but_never_the_password() -> None:
    engine = create_engine_for("postgresql+psycopg://app:s3cret-pass@127.0.0.1:1/images")

    with pytest.raises(DatabaseError) as raised:
        RecordRepository(engine).latest(limit=5)
    with pytest.raises(DatabaseError) as checked:
        check_database(engine)

    for error in (raised.value, checked.value):
        message = str(error)
        assert "127.0.0.1:1" in message
        assert "DB_HOST" in message
        assert "s3cret-pass" not in message


@pytest.mark.postgres
def test_a_missing_postgresql_database_is_named_with_what_to_do(postgres_server: str) -> None:
    engine = create_engine_for(postgres_database_url("no_such_database_here", user="postgres:hunter2"))

    with pytest.raises(DatabaseError, match=r"'no_such_database_here' does not exist.*DB_NAME") as raised:
        check_database(engine)

    assert "hunter2" not in str(raised.value)


def test_sqlite_engine_creates_its_folder_and_uses_wal(tmp_path: Path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'nested' / 'deeper' / 'app.db'}")
    try:
        with engine.connect() as connection:
            journal_mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
            busy_timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    finally:
        engine.dispose()

    assert (tmp_path / "nested" / "deeper" / "app.db").is_file()
    assert (journal_mode, busy_timeout) == ("wal", 5000)


@pytest.mark.postgres
def test_an_unknown_postgresql_user_is_told_to_check_the_login(postgres_server: str) -> None:
    engine = create_engine_for(postgres_database_url("postgres", user="nobody_here:hunter2"))

    with pytest.raises(DatabaseError, match=r"refused the login for user 'nobody_here'.*DB_USER") as raised:
        check_database(engine)

    assert "hunter2" not in str(raised.value)
