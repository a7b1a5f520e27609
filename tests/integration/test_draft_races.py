"""One draft, two tabs: Save in one and Discard in the other end the same way whatever the order.

Save wins: a save that took the draft first leaves the discard nothing to delete, and a save that comes
after a discard stores the image it holds under a key of its own; either way one record, whose image is
there. A listed draft whose image a discard removed is reported missing, not as a failure.
On SQLite and PostgreSQL (the `repository` fixture), with the local store.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import Engine

from core.app.drafts import discard_drafts, list_unsaved, save_drafts
from core.app.pipeline import Pipeline
from core.db.drafts import SqlDrafts
from core.db.repository import RecordRepository
from core.domain.drafts import Draft, SavedImage
from core.domain.ports import GenerationRequest
from core.domain.records import HistoryQuery
from core.storage.local import LocalStore
from tests.fakes import FakeCaptioner, FakeGenerator, FakeTranscriber


class StoreWithAHook(LocalStore):
    """A real local store that runs a hook once: another tab acting at a chosen moment of a save.

    `before_thumbnail`: as a save uploads its thumbnail, between choosing the draft's stored image and
    inserting its record. `before_get`: as a listed draft's image is read back to be saved."""

    before_thumbnail: Callable[[], object] | None = None
    before_get: Callable[[], object] | None = None

    def put(self, key: str, data: bytes, content_type: str) -> None:
        if key.startswith("thumbnails/") and self.before_thumbnail:
            hook, self.before_thumbnail = self.before_thumbnail, None
            hook()
        super().put(key, data, content_type)

    def get(self, key: str) -> bytes:
        if self.before_get:
            hook, self.before_get = self.before_get, None
            hook()
        return super().get(key)


@pytest.fixture
def drafts(migrated_engine: Engine) -> SqlDrafts:
    return SqlDrafts(migrated_engine)


@pytest.fixture
def store(tmp_path: Path) -> StoreWithAHook:
    return StoreWithAHook(tmp_path / "images")


@pytest.fixture
def pipeline(store: StoreWithAHook, repository: RecordRepository, drafts: SqlDrafts) -> Pipeline:
    return Pipeline(
        store=store,
        records=repository,
        generator=FakeGenerator(),
        transcriber=FakeTranscriber,
        captioner=FakeCaptioner,
        drafts=drafts,
    )


def a_captioned_draft(pipeline: Pipeline) -> Draft:
    [draft] = pipeline.generate(GenerationRequest(prompt="a kite", seed=4))
    return pipeline.caption(draft)


def only_record_holds_its_image(repository: RecordRepository, store: LocalStore, draft: Draft) -> int:
    """The one record of this image, whose image and thumbnail are stored and the only objects left."""
    [record] = repository.search(query=HistoryQuery()).records
    assert store.get(record.image_filename) == draft.image.data
    assert sorted(o.key for o in store.list_objects("")) == sorted([record.image_filename, record.thumbnail_filename])
    return int(record.id)


def test_a_discard_in_another_tab_while_the_save_is_under_way_does_not_lose_the_saved_image(
    pipeline: Pipeline, store: StoreWithAHook, repository: RecordRepository, drafts: SqlDrafts
) -> None:
    draft = a_captioned_draft(pipeline)
    store.before_thumbnail = lambda: discard_drafts(store, repository, drafts, [draft.draft_id or 0])

    saved = pipeline.save(draft)

    assert saved.created and list_unsaved(drafts) == []
    assert only_record_holds_its_image(repository, store, draft) == saved.record.id


def test_a_discard_after_the_save_finds_nothing_to_discard_and_the_image_stays(
    pipeline: Pipeline, store: StoreWithAHook, repository: RecordRepository, drafts: SqlDrafts
) -> None:
    draft = a_captioned_draft(pipeline)
    saved = pipeline.save(draft)

    assert discard_drafts(store, repository, drafts, [draft.draft_id or 0]).missing == [draft.draft_id]
    pipeline.keeper.discard(draft)  # the tab that made it discards its own copy too

    assert only_record_holds_its_image(repository, store, draft) == saved.record.id
    assert draft.image_key == saved.record.image_filename  # the save reused the draft's object


def test_a_draft_discarded_elsewhere_is_saved_once_however_often_and_wherever_save_is_clicked(
    pipeline: Pipeline, store: StoreWithAHook, repository: RecordRepository, drafts: SqlDrafts
) -> None:
    draft = a_captioned_draft(pipeline)
    assert discard_drafts(store, repository, drafts, [draft.draft_id or 0]).done == [draft.draft_id]

    first, again = pipeline.save(draft), pipeline.save(draft)
    listed = save_drafts(pipeline, drafts, [draft.draft_id or 0])

    assert first.created and not again.created and again.record.id == first.record.id
    assert listed.saved == [] and listed.missing == [draft.draft_id]
    assert only_record_holds_its_image(repository, store, draft) == first.record.id


def test_a_listed_draft_discarded_while_saving_it_is_still_saved(
    pipeline: Pipeline, store: StoreWithAHook, repository: RecordRepository, drafts: SqlDrafts
) -> None:
    draft = a_captioned_draft(pipeline)
    store.before_thumbnail = lambda: pipeline.keeper.discard(draft)  # the tab that made it discards it meanwhile

    outcome = save_drafts(pipeline, drafts, [draft.draft_id or 0])  # "Made but not saved" in another tab

    assert outcome.done == [draft.draft_id] and outcome.missing == []
    assert only_record_holds_its_image(repository, store, draft) == outcome.saved[0].record.id


def test_a_listed_draft_discarded_before_its_image_is_read_back_is_reported_missing(
    pipeline: Pipeline, store: StoreWithAHook, repository: RecordRepository, drafts: SqlDrafts
) -> None:
    draft = a_captioned_draft(pipeline)
    store.before_get = lambda: pipeline.keeper.discard(draft)  # after the list was read, before the image

    outcome = save_drafts(pipeline, drafts, [draft.draft_id or 0])

    assert outcome.saved == [] and outcome.missing == [draft.draft_id]
    assert repository.search(query=HistoryQuery()).total == 0 and list(store.list_objects("")) == []


def together(*calls: Callable[[], object]) -> list[object]:
    """Run the calls in threads released at the same instant; their results, in order."""
    start = threading.Barrier(len(calls))

    def released(call: Callable[[], object]) -> object:
        start.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return [future.result(timeout=60) for future in [pool.submit(released, call) for call in calls]]


def test_save_and_discard_started_together_in_two_threads_always_leave_the_saved_image(
    pipeline: Pipeline, store: StoreWithAHook, repository: RecordRepository, drafts: SqlDrafts
) -> None:
    for seed in range(12):  # real threads and database locks: which one goes first differs between rounds
        [draft] = pipeline.generate(GenerationRequest(prompt="a kite", seed=seed))

        saved, _ = together(
            partial(pipeline.save, draft), partial(discard_drafts, store, repository, drafts, [draft.draft_id or 0])
        )

        assert isinstance(saved, SavedImage) and saved.created
        assert store.get(saved.record.image_filename) == draft.image.data, f"round {seed}: the saved image is gone"
        assert list_unsaved(drafts) == []
