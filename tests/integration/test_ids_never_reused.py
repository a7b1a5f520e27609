"""A deleted record's (or draft's) id is never given to a new one, on SQLite (migration 0015) as on PostgreSQL.

Otherwise an old edit's parent_id, a share link, a bookmark or a tab's draft could name an unrelated image.
"""

from __future__ import annotations

from sqlalchemy import Engine, text

from core.db.drafts import SqlDrafts
from core.db.engine import create_engine_for, migrate
from core.db.repository import RecordRepository
from core.domain.drafts import Draft
from core.domain.ports import GeneratedImage, GenerationRequest
from tests.fakes import png_bytes
from tests.fixtures.migration_steps import downgrade
from tests.integration.test_repository import new_record


def a_draft(parent_id: int | None = None) -> Draft:
    image = GeneratedImage(png_bytes(), "png", prediction_id="p1")
    return Draft(image=image, request=GenerationRequest(prompt="a kite"), image_model="x", parent_id=parent_id)


def test_deleting_the_newest_record_does_not_give_its_id_to_the_next_one(repository: RecordRepository) -> None:
    kept, _ = repository.add(record=new_record())
    newest, _ = repository.add(record=new_record())
    assert repository.delete(record_id=newest.id)

    following, _ = repository.add(record=new_record())

    assert following.id > newest.id > kept.id


def test_discarding_the_newest_draft_does_not_give_its_id_to_the_next_one(migrated_engine: Engine) -> None:
    drafts = SqlDrafts(migrated_engine)
    newest = drafts.add_draft(draft=a_draft(), image_key="images/a.png")
    assert drafts.remove_draft(draft_id=newest.id)

    following = drafts.add_draft(draft=a_draft(), image_key="images/b.png")

    assert following.id > newest.id


def test_the_rebuild_keeps_parents_drafts_and_search_vectors_both_ways(database_url: str) -> None:
    engine = create_engine_for(database_url)
    try:
        migrate(engine)
        repository, drafts = RecordRepository(engine), SqlDrafts(engine)
        parent, _ = repository.add(record=new_record())
        child, _ = repository.add(record=new_record(parent_id=parent.id))
        draft = drafts.add_draft(draft=a_draft(parent_id=parent.id), image_key="images/a.png")
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO record_embeddings (record_id, model, dimension, vector) VALUES (:r, 'm', 1, :v)"),
                {"r": child.id, "v": b"\x00\x00\x80\x3f"},
            )

        for step in (lambda: downgrade(engine, "0014"), lambda: migrate(engine)):
            step()
            assert repository.get_many(record_ids=[child.id])[0].parent_id == parent.id
            assert drafts.get_drafts(draft_ids=[draft.id])[0].parent_id == parent.id
            with engine.connect() as connection:
                vectors = connection.execute(text("SELECT record_id FROM record_embeddings")).scalars().all()
            assert vectors == [child.id]
    finally:
        engine.dispose()
