"""Families of edits in the database, on SQLite and PostgreSQL: gathered from any member, kept through deletes."""

from __future__ import annotations

import uuid

from sqlalchemy import text

from core.db.engine import migrate
from core.db.repository import RecordRepository
from core.domain.records import HistoryQuery, NewRecord
from tests.fixtures.migration_steps import upgrade


def save(repository: RecordRepository, parent: int | None = None, instruction: str | None = None) -> int:
    record = NewRecord(
        prompt=instruction or "a lighthouse",
        image_filename=f"{uuid.uuid4()}.jpg",
        description="a lighthouse",
        idempotency_key=uuid.uuid4().hex,
        parent_id=parent,
        edit_instruction=instruction,
    )
    view, created = repository.add(record=record)
    assert created
    return view.id


def test_the_whole_family_is_found_from_any_member_and_strangers_are_not(repository: RecordRepository) -> None:
    first = save(repository)
    night = save(repository, first, "make it night")
    kite = save(repository, night, "add a red kite")
    above = save(repository, first, "the same from above")
    stranger = save(repository)

    for member in (first, night, kite, above):
        assert [r.id for r in repository.family(record_id=member)] == [first, night, kite, above]
    assert [r.id for r in repository.family(record_id=stranger)] == [stranger]
    assert repository.family(record_id=99_999) == []
    kite_record = repository.get(record_id=kite)
    assert kite_record is not None
    assert (kite_record.parent_id, kite_record.edit_instruction) == (night, "add a red kite")


def test_history_lists_a_family_with_the_other_filters(repository: RecordRepository) -> None:
    first = save(repository)
    night = save(repository, first, "make it night")
    save(repository)
    page = repository.search(query=HistoryQuery(family=night))
    assert [r.id for r in page.records] == [night, first]
    assert page.total == 2
    assert repository.search(query=HistoryQuery(family=night, search="night")).total == 1
    assert repository.search(query=HistoryQuery(family=12345)).records == []


def test_deleting_a_parent_keeps_its_children_as_first_images(repository: RecordRepository) -> None:
    first = save(repository)
    night = save(repository, first, "make it night")
    kite = save(repository, night, "add a red kite")
    other = save(repository, first, "the same from above")

    assert repository.delete(record_id=night)

    kept = repository.get(record_id=kite)
    assert kept is not None
    assert (kept.parent_id, kept.edit_instruction) == (None, "add a red kite")
    assert [r.id for r in repository.family(record_id=kite)] == [kite]
    assert [r.id for r in repository.family(record_id=other)] == [first, other]
    repository.delete_many(record_ids=[first])
    again = repository.get(record_id=other)
    assert again is not None and again.parent_id is None


def test_old_rows_are_adopted_as_first_images(database_url: str) -> None:
    from core.db.engine import create_engine_for

    engine = create_engine_for(database_url)
    try:
        upgrade(engine, "0004")
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
        assert (old.parent_id, old.edit_instruction) == (None, None)
        assert [r.id for r in repository.family(record_id=old.id)] == [old.id]
        edit = save(repository, old.id, "make it snow")
        assert [r.id for r in repository.family(record_id=edit)] == [old.id, edit]
    finally:
        engine.dispose()


def test_a_new_image_never_inherits_the_children_of_a_deleted_one(repository: RecordRepository) -> None:
    first = save(repository)
    night = save(repository, first, "make it night")
    kite = save(repository, night, "add a red kite")
    assert repository.delete_many(record_ids=[kite, night, 424_242]) == [night, kite]  # the newest rows, batched

    newcomer = save(repository)  # SQLite hands out the deleted highest id again; PostgreSQL does not

    assert [r.id for r in repository.family(record_id=newcomer)] == [newcomer]
    assert [r.id for r in repository.family(record_id=first)] == [first]


def test_with_edits_names_only_the_records_something_was_edited_from(repository: RecordRepository) -> None:
    first = save(repository)
    night = save(repository, first, "make it night")
    kite = save(repository, night, "add a red kite")
    stranger = save(repository)

    assert repository.with_edits(record_ids=[first, night, kite, stranger, 99_999]) == {first, night}
    assert repository.with_edits(record_ids=[]) == set()
    repository.delete(record_id=kite)
    assert repository.with_edits(record_ids=[first, night]) == {first}  # night's only edit is gone
