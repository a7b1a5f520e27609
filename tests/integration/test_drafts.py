"""Drafts: a paid image is stored (object and row) before captioning; Save makes it a record, Discard removes it.

On SQLite and PostgreSQL (the `repository` fixture), with the local store.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from core.app.drafts import discard_drafts, expire_drafts, list_unsaved, save_drafts
from core.app.gc import IN_PROGRESS_FLOOR, collect_garbage, find_orphans
from core.app.images import new_object_keys
from core.app.pipeline import Pipeline
from core.db.drafts import SqlDrafts
from core.db.repository import RecordRepository
from core.domain.drafts import Draft
from core.domain.ports import GeneratedImage, GenerationRequest
from core.domain.records import HistoryQuery
from core.storage.local import LocalStore
from tests.fakes import FakeCaptioner, FakeGenerator, FakeTranscriber, png_bytes
from tests.integration.test_repository import new_record


@pytest.fixture
def drafts(migrated_engine: Engine) -> SqlDrafts:
    return SqlDrafts(migrated_engine)


@pytest.fixture
def store(tmp_path: Path) -> LocalStore:
    return LocalStore(tmp_path / "images")


@pytest.fixture
def captioner() -> FakeCaptioner:
    return FakeCaptioner()


@pytest.fixture
def pipeline(store, repository, drafts, captioner) -> Pipeline:
    return Pipeline(
        store=store,
        records=repository,
        generator=FakeGenerator(),
        transcriber=FakeTranscriber,
        captioner=lambda: captioner,
        drafts=drafts,
    )


def image_keys(store: LocalStore) -> list[str]:
    return [o.key for o in store.list_objects("images/")]


def test_a_generated_image_is_stored_as_a_draft_before_captioning_and_history_does_not_show_it(
    pipeline, store, repository, drafts, captioner
):
    [draft] = pipeline.generate(GenerationRequest(prompt="a red kite", seed=42), created_by="ada")

    assert captioner.images == []  # nothing slow has happened yet, and the image is kept already
    assert draft.draft_id is not None and image_keys(store) == [draft.image_key]
    [stored] = list_unsaved(drafts)
    assert (stored.id, stored.request.prompt, stored.request.seed, stored.created_by) == (
        draft.draft_id,
        "a red kite",
        42,
        "ada",
    )
    assert stored.image_model == "fake/flux" and stored.caption is None
    assert repository.search(query=HistoryQuery()).total == 0
    assert list_unsaved(drafts, created_by="someone else", everyone=False) == []


def test_save_turns_the_draft_into_its_record_once_reusing_its_image(pipeline, store, repository, drafts):
    [draft] = pipeline.generate(GenerationRequest(prompt="a red kite", seed=7), created_by="ada")
    draft = pipeline.caption(draft)
    assert list_unsaved(drafts)[0].caption == "a red square"  # the caption is kept with the draft

    saved = pipeline.save(draft)
    again = pipeline.save(draft)

    record = saved.record
    assert saved.created and not again.created and again.record.id == record.id
    assert record.image_filename == draft.image_key  # the draft's object, not a second upload
    assert image_keys(store) == [draft.image_key]
    assert (record.seed, record.image_model, record.created_by) == (7, "fake/flux", "ada")
    assert record.timings_ms["generate"] == draft.timings_ms["generate"]
    assert list_unsaved(drafts) == []


def test_drafts_left_behind_are_saved_with_a_caption_or_discarded_with_their_image(pipeline, store, repository, drafts):
    first, second = pipeline.generate(GenerationRequest(prompt="two kites", num_outputs=2, seed=1))
    # The process that made them is gone: only the database and the store know of them.
    outcome = save_drafts(pipeline, drafts, [first.draft_id, 999])
    [saved] = outcome.saved
    assert saved.record.description == "a red square" and saved.record.image_filename == first.image_key
    assert outcome.missing == [999]

    discarded = discard_drafts(store, repository, drafts, [second.draft_id])
    assert discarded.done == [second.draft_id]
    assert list_unsaved(drafts) == [] and image_keys(store) == [first.image_key]
    assert discard_drafts(store, repository, drafts, [second.draft_id]).missing == [second.draft_id]


def test_old_drafts_expire_with_their_images_and_a_drafts_image_is_no_orphan(pipeline, store, repository, drafts):
    [draft] = pipeline.generate(GenerationRequest(prompt="a kite", seed=3))
    later = datetime.now(UTC) + timedelta(days=1)
    assert find_orphans(store, repository, older_than=timedelta(0), now=later).objects == []

    listed = expire_drafts(store, repository, drafts, cutoff=later, dry_run=True)
    assert [d.id for d in listed] == [draft.draft_id] and image_keys(store) == [draft.image_key]
    expire_drafts(store, repository, drafts, cutoff=later, dry_run=False)
    assert list_unsaved(drafts) == [] and image_keys(store) == []


def test_gc_keeps_an_unrecorded_object_younger_than_the_floor_whatever_older_than_says(store, repository):
    key, _ = new_object_keys("webp")
    repository.record_keys(keys=[key])  # a save in progress: noted and uploaded, its row not inserted yet
    store.put(key, png_bytes(), "image/webp")

    report = collect_garbage(store, repository, older_than=timedelta(0), dry_run=False)

    assert report["removed"] == 0 and store.exists(key)
    assert report["in_progress_floor_minutes"] == 10 and "save in progress" in str(report["note"])
    past_floor = datetime.now(UTC) + IN_PROGRESS_FLOOR + timedelta(minutes=1)
    assert collect_garbage(store, repository, older_than=timedelta(0), dry_run=False, now=past_floor)["removed"] == 1


def test_a_child_whose_parent_is_gone_is_saved_as_a_first_image_and_deleting_a_parent_clears_the_key(
    repository, drafts, migrated_engine
):
    parent, _ = repository.add(record=new_record())
    orphan, created = repository.add(record=new_record(parent_id=parent.id + 100))
    assert created and orphan.parent_id is None  # the foreign key refused the missing parent

    child, _ = repository.add(record=new_record(parent_id=parent.id))
    edit = Draft(
        image=GeneratedImage(png_bytes(), "png"),
        request=GenerationRequest(prompt="night"),
        image_model="x",
        parent_id=parent.id,
    )
    draft_id = drafts.add_draft(draft=edit, image_key="images/x.png").id
    with migrated_engine.begin() as connection:  # no repository: the database's own ON DELETE SET NULL
        connection.execute(text("DELETE FROM image_records WHERE id = :id"), {"id": parent.id})
    assert repository.get(record_id=child.id).parent_id is None
    assert drafts.get_drafts(draft_ids=[draft_id])[0].parent_id is None
    assert drafts.add_draft(draft=edit, image_key="images/y.png").parent_id is None


def test_the_drafts_table_and_the_parent_key_survive_a_downgrade_and_upgrade(database_url):
    from core.db.engine import create_engine_for, migrate
    from tests.fixtures.migration_steps import downgrade

    engine = create_engine_for(database_url)
    migrate(engine)
    repository = RecordRepository(engine)
    parent, _ = repository.add(record=new_record())
    child, _ = repository.add(record=new_record(parent_id=parent.id))
    downgrade(engine, "0008")
    migrate(engine)
    try:
        assert repository.get(record_id=child.id).parent_id == parent.id  # the rebuild kept the parent
    finally:
        engine.dispose()


def test_a_session_draft_discarded_elsewhere_is_still_saved_with_its_own_image(pipeline, store, repository, drafts):
    [draft] = pipeline.generate(GenerationRequest(prompt="a kite", seed=4))
    discard_drafts(store, repository, drafts, [draft.draft_id])  # another tab discarded it

    record = pipeline.save(pipeline.caption(draft)).record

    assert record.image_filename != draft.image_key and store.exists(record.image_filename)
