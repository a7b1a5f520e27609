"""Writes at once from many threads and processes: no tag, star or delete report lost, on both databases."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine

from core.db.repository import RecordRepository
from core.domain.errors import InputError
from core.domain.tags import MAX_TAGS_PER_RECORD
from tests.fixtures.cli import run_cli_process
from tests.integration.test_repository import new_record

WRITERS = 10


def test_concurrent_threads_adding_tags_to_one_record_keep_every_tag(migrated_engine: Engine) -> None:
    repository = RecordRepository(migrated_engine)  # shared, as Streamlit sessions share it
    record, _ = repository.add(record=new_record())

    def tag(n: int) -> int:
        return repository.add_tags(record_ids=[record.id], tags=[f"thread{n}"])

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        assert list(pool.map(tag, range(WRITERS))) == [1] * WRITERS

    saved = repository.get(record_id=record.id)
    assert saved is not None and saved.tags == tuple(sorted(f"thread{n}" for n in range(WRITERS)))


def test_concurrent_threads_starring_and_tagging_one_record_lose_neither(migrated_engine: Engine) -> None:
    repository = RecordRepository(migrated_engine)
    record, _ = repository.add(record=new_record())

    def change(n: int) -> int:
        if n % 2:
            return repository.set_starred(record_ids=[record.id], starred=True)
        return repository.add_tags(record_ids=[record.id], tags=[f"t{n}"])

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        list(pool.map(change, range(WRITERS)))

    saved = repository.get(record_id=record.id)
    assert saved is not None and saved.starred
    assert saved.tags == tuple(sorted(f"t{n}" for n in range(0, WRITERS, 2)))


def test_concurrent_tag_and_star_commands_on_one_record_lose_nothing(
    migrated_engine: Engine, database_url: str
) -> None:
    repository = RecordRepository(migrated_engine)
    record, _ = repository.add(record=new_record())
    env = {"DATABASE_URL": database_url, "HF_HUB_OFFLINE": "1"}

    def command(n: int) -> tuple[str, ...]:
        # Separate processes: no lock inside Python can help, only the database's own transactions.
        return ("star", str(record.id)) if n % 3 == 2 else ("tag", str(record.id), "--add", f"proc{n}")

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        runs = list(pool.map(lambda n: run_cli_process(*command(n), env=env), range(WRITERS)))

    assert [run.returncode for run in runs] == [0] * WRITERS, [run.stderr for run in runs if run.returncode]
    saved = repository.get(record_id=record.id)
    assert saved is not None and saved.starred
    assert saved.tags == tuple(sorted(f"proc{n}" for n in range(WRITERS) if n % 3 != 2))


def test_concurrent_deletes_of_the_same_ids_each_report_only_what_they_deleted(migrated_engine: Engine) -> None:
    repository = RecordRepository(migrated_engine)
    ids = [repository.add(record=new_record())[0].id for _ in range(6)]

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        reports = list(pool.map(lambda _: repository.delete_many(record_ids=ids), range(WRITERS)))

    deleted = [record_id for report in reports for record_id in report]
    assert sorted(deleted) == sorted(ids)  # each id reported once, by the call that removed it
    assert repository.get_many(record_ids=ids) == []


def test_a_record_never_carries_more_than_the_tag_cap(migrated_engine: Engine) -> None:
    repository = RecordRepository(migrated_engine)
    record, _ = repository.add(record=new_record())
    repository.add_tags(record_ids=[record.id], tags=[f"t{n}" for n in range(MAX_TAGS_PER_RECORD)])

    with pytest.raises(InputError, match=f"at most {MAX_TAGS_PER_RECORD} tags"):
        repository.add_tags(record_ids=[record.id], tags=["one-too-many"])

    saved = repository.get(record_id=record.id)
    assert saved is not None and len(saved.tags) == MAX_TAGS_PER_RECORD and "one-too-many" not in saved.tags
