"""The gallery's use cases (core.app.gallery), which the History page and `python -m core` both call."""

import pytest

from core.app import gallery
from core.app.pipeline import Pipeline
from core.domain.errors import DatabaseError
from core.domain.ports import GenerationRequest
from core.domain.records import ImageRecordView
from tests.fakes import FakeCaptioner, FakeGenerator, FakeRecords, FakeStore, FakeTranscriber


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def records() -> FakeRecords:
    return FakeRecords()


@pytest.fixture
def captioner() -> FakeCaptioner:
    return FakeCaptioner()


def saved(store: FakeStore, records: FakeRecords, count: int = 1) -> list[ImageRecordView]:
    """`count` saved images, each different (a fake generator draws the same images for the same request)."""
    pipeline = Pipeline(
        store=store,
        records=records,
        generator=FakeGenerator(),
        transcriber=FakeTranscriber,
        captioner=FakeCaptioner,
    )
    images = pipeline.create(GenerationRequest(prompt="a kite", num_outputs=count))
    return [image.record for image in images]  # type: ignore[union-attr]


def test_recaption_replaces_the_description_of_a_saved_record(store, records, captioner) -> None:
    [kite] = saved(store, records)
    captioner.text = "a kite over a beach"

    updated = gallery.recaption(store, records, lambda: captioner, kite)

    assert updated.description == "a kite over a beach"
    assert records.rows[kite.id].description == "a kite over a beach"


def test_recaption_hands_the_new_text_on_so_the_search_vector_follows_the_caption(store, records, captioner) -> None:
    [kite] = saved(store, records)
    captioner.text = "a kite over a beach"
    heard: list[str] = []

    gallery.recaption(store, records, lambda: captioner, kite, lambda record: heard.append(record.description))

    assert heard == ["a kite over a beach"]


def test_recaption_of_a_record_deleted_meanwhile_is_an_error_that_says_so(store, records, captioner) -> None:
    [kite] = saved(store, records)
    records.delete(record_id=kite.id)

    with pytest.raises(DatabaseError, match="no longer exists"):
        gallery.recaption(store, records, lambda: captioner, kite)


def test_delete_record_removes_row_image_and_thumbnail_and_forgets_their_keys(store, records) -> None:
    [kite] = saved(store, records)

    gallery.delete_record(store, records, kite)

    assert store.objects == {} and records.rows == {} and records.recorded_keys == set()


def test_deleting_a_record_twice_says_it_was_already_deleted(store, records) -> None:
    [kite] = saved(store, records)
    gallery.delete_record(store, records, kite)

    with pytest.raises(DatabaseError, match="already deleted"):
        gallery.delete_record(store, records, kite)


def test_delete_records_keeps_the_row_whose_files_cannot_be_removed_and_names_unknown_ids(store, records) -> None:
    stuck, free = saved(store, records, 2)
    store.refuse_delete.add(stuck.image_filename)

    outcome = gallery.delete_records(store, records, [stuck.id, free.id, 424_242])

    assert (outcome.deleted, outcome.kept, outcome.missing) == ([free.id], [stuck.id], [424_242])
    assert list(records.rows) == [stuck.id]
    assert set(outcome.keys) == {free.image_filename, free.thumbnail_filename}


def test_missing_ids_names_each_unknown_id_once_in_order(store, records) -> None:
    [kite] = saved(store, records)

    assert gallery.missing_ids(records, [9, kite.id, 7, 9]) == [7, 9]
    assert gallery.missing_ids(records, [kite.id]) == []
