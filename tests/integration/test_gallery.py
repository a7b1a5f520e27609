"""Team gallery on SQLite and PostgreSQL: stars, tags, authors as SQL filters, bulk actions that orphan nothing."""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from core.app import gallery
from core.app.export import history_zip
from core.app.pipeline import Draft, Pipeline
from core.config.settings import SpacesSettings
from core.db.engine import create_engine_for, migrate
from core.db.repository import RecordRepository
from core.domain.errors import InputError
from core.domain.ports import GeneratedImage, GenerationRequest
from core.domain.records import HistoryQuery, ImageRecordView
from core.storage.spaces import SpacesStore
from tests.fakes import FakeCaptioner, FakeGenerator, FakeStore, FakeTranscriber, png_bytes
from tests.fixtures.s3 import s3_client


def pipeline_for(repository: RecordRepository, store: object) -> Pipeline:
    return Pipeline(
        store=store,  # type: ignore[arg-type]
        records=repository,
        generator=FakeGenerator(),
        transcriber=FakeTranscriber,
        captioner=FakeCaptioner,
    )


def save(pipeline: Pipeline, prompt: str, *, by: str | None = None, caption: str = "a picture") -> ImageRecordView:
    shade = uuid.uuid4().int % 250
    draft = Draft(
        image=GeneratedImage(data=png_bytes(32, 24, (shade, 10, 10)) + uuid.uuid4().bytes, output_format="png"),
        request=GenerationRequest(prompt=prompt),
        image_model="fake/flux",
        caption=caption,
    )
    return pipeline.save(draft, created_by=by).record


def found(repository: RecordRepository, **query: object) -> list[int]:
    return [record.id for record in repository.search(query=HistoryQuery(**query)).records]  # type: ignore[arg-type]


def test_new_records_are_unstarred_untagged_and_remember_who_made_them(repository: RecordRepository) -> None:
    pipeline = pipeline_for(repository, FakeStore())

    record = save(pipeline, "a lighthouse", by="  ana@example.com ")

    stored = repository.get(record_id=record.id)
    assert stored is not None
    assert (stored.starred, stored.tags, stored.created_by) == (False, (), "ana@example.com")
    assert stored.to_json()["tags"] == [] and stored.to_json()["starred"] is False


def test_starring_many_records_at_once_and_the_starred_filter(repository: RecordRepository) -> None:
    pipeline = pipeline_for(repository, FakeStore())
    a, b, c = (save(pipeline, f"boat {n}").id for n in range(3))

    assert repository.set_starred(record_ids=[a, c, 999_999], starred=True) == 2
    assert found(repository, starred=True) == [c, a]
    repository.set_starred(record_ids=[c], starred=False)
    assert found(repository, starred=True) == [a]
    assert found(repository) == [c, b, a]


def test_tags_are_normalised_added_in_bulk_removed_and_counted(repository: RecordRepository) -> None:
    pipeline = pipeline_for(repository, FakeStore())
    a, b, c = (save(pipeline, f"kite {n}").id for n in range(3))

    repository.add_tags(record_ids=[a, b], tags=["  Poster ", "team  red"])
    repository.add_tags(record_ids=[a, b, c], tags=["poster"])  # already there on a and b: no error

    assert repository.get(record_id=a).tags == ("poster", "team red")  # type: ignore[union-attr]
    assert repository.tag_counts() == [("poster", 3), ("team red", 2)]
    assert repository.remove_tags(record_ids=[a, c], tags=["POSTER"]) == 2
    assert repository.tag_counts() == [("team red", 2), ("poster", 1)]


def test_tag_filter_needs_every_tag_and_combines_with_words_stars_and_author(repository: RecordRepository) -> None:
    pipeline = pipeline_for(repository, FakeStore())
    red_kite = save(pipeline, "a red kite", by="ana").id
    red_boat = save(pipeline, "a red boat", by="ben").id
    blue_kite = save(pipeline, "a blue kite", by="ana").id
    repository.add_tags(record_ids=[red_kite, red_boat], tags=["red"])
    repository.add_tags(record_ids=[red_kite, blue_kite], tags=["sky"])
    repository.set_starred(record_ids=[red_boat, blue_kite], starred=True)

    assert found(repository, tags=("red",)) == [red_boat, red_kite]
    assert found(repository, tags=("red", "sky")) == [red_kite]
    assert found(repository, tags=("Red",), search="kite") == [red_kite]
    assert found(repository, tags=("sky",), starred=True) == [blue_kite]
    assert found(repository, created_by="ana") == [blue_kite, red_kite]
    assert found(repository, created_by="ana", starred=True, search="kite") == [blue_kite]
    assert found(repository, tags=("nowhere",)) == []
    assert repository.search(query=HistoryQuery(tags=("red",), limit=1)).total == 2
    assert repository.creators() == ["ana", "ben"]


def test_bulk_actions_refuse_an_empty_selection_and_take_any_number_of_ids(repository: RecordRepository) -> None:
    with pytest.raises(InputError, match="Select at least one image"):
        repository.set_starred(record_ids=[], starred=True)
    assert repository.add_tags(record_ids=range(1, 2502), tags=["x"]) == 0  # in batches, no driver limit hit
    with pytest.raises(InputError, match="cannot be empty"):
        repository.add_tags(record_ids=[1], tags=["   "])


def test_delete_many_removes_files_then_rows_and_their_tags(
    repository: RecordRepository, migrated_engine: Engine
) -> None:
    store = FakeStore()
    pipeline = pipeline_for(repository, store)
    keep, gone_a, gone_b = (save(pipeline, f"tower {n}") for n in range(3))
    repository.add_tags(record_ids=[keep.id, gone_a.id, gone_b.id], tags=["tower"])

    outcome = gallery.delete_records(store, repository, [gone_a.id, gone_b.id, 424_242])

    assert sorted(outcome.deleted) == sorted([gone_a.id, gone_b.id]) and outcome.missing == [424_242]
    assert found(repository) == [keep.id]
    assert set(store.objects) == {keep.image_filename, keep.thumbnail_filename}
    assert repository.tag_counts() == [("tower", 1)]


def test_delete_many_keeps_the_row_of_a_record_whose_files_cannot_be_removed(repository: RecordRepository) -> None:
    store = FakeStore()
    pipeline = pipeline_for(repository, store)
    stuck, free = save(pipeline, "stuck"), save(pipeline, "free")
    store.refuse_delete.add(stuck.image_filename)

    outcome = gallery.delete_records(store, repository, [stuck.id, free.id])

    assert (outcome.deleted, outcome.kept) == ([free.id], [stuck.id])
    assert "Kept #" in outcome.summary()
    assert found(repository) == [stuck.id]  # its row still points at its file, so nothing is orphaned


@pytest.fixture
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    engine = create_engine_for(postgres_url)
    migrate(engine)
    yield engine
    engine.dispose()


def bucket_keys(settings: SpacesSettings) -> set[str]:
    listing = s3_client(settings).list_objects_v2(Bucket=settings.bucket)
    return {item["Key"] for item in listing.get("Contents", [])}


@pytest.mark.postgres
def test_bulk_delete_on_postgresql_and_spaces_leaves_no_object_without_a_row(
    postgres_engine: Engine, spaces_settings: SpacesSettings
) -> None:
    repository = RecordRepository(postgres_engine)
    store = SpacesStore(spaces_settings)
    pipeline = pipeline_for(repository, store)
    records = [save(pipeline, f"harbour {n}", by="ana") for n in range(4)]
    repository.add_tags(record_ids=[r.id for r in records], tags=["harbour"])
    repository.set_starred(record_ids=[records[0].id], starred=True)

    gallery.delete_records(store, repository, [records[0].id, records[2].id])

    left = repository.search(query=HistoryQuery()).records
    assert [r.id for r in left] == [records[3].id, records[1].id]
    referenced = {key for r in left for key in (r.image_filename, r.thumbnail_filename) if key}
    assert bucket_keys(spaces_settings) == referenced
    assert repository.tag_counts() == [("harbour", 2)]
    assert found(repository, starred=True) == []


@pytest.mark.postgres
def test_zip_export_on_postgresql_and_spaces_holds_matching_images_and_records_csv(
    postgres_engine: Engine, spaces_settings: SpacesSettings
) -> None:
    repository = RecordRepository(postgres_engine)
    store = SpacesStore(spaces_settings)
    pipeline = pipeline_for(repository, store)
    kite, boat, lost = save(pipeline, "a kite", by="ana"), save(pipeline, "=a boat"), save(pipeline, "a lost kite")
    repository.add_tags(record_ids=[kite.id, boat.id, lost.id], tags=["share"])
    repository.add_tags(record_ids=[kite.id], tags=["sky"])
    store.delete(lost.image_filename)  # a file gone behind the app's back
    out = io.BytesIO()

    summary = history_zip(reader=repository, store=store, query=HistoryQuery(tags=("share",)), out=out)

    assert (summary.records, summary.images, summary.missing) == (3, 2, [lost.id])
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        csv_text = archive.read("records.csv").decode()
        assert archive.read(f"image-{kite.id}.png") == store.get(kite.image_filename)
    assert names == {"records.csv", f"image-{kite.id}.png", f"image-{boat.id}.png"}
    assert "'=a boat" in csv_text  # formulas stay text in spreadsheets
    assert "share, sky" in csv_text and "ana" in csv_text


def plans_of(engine: Engine, query: HistoryQuery) -> list[str]:
    """EXPLAIN of every statement the repository runs for `query`."""
    from sqlalchemy import event

    statements: list[tuple[str, object]] = []

    def remember(conn: object, cursor: object, statement: str, parameters: object, *_: object) -> None:
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", remember)
    RecordRepository(engine).search(query=query)
    event.remove(engine, "before_cursor_execute", remember)
    with engine.connect() as connection:
        return [
            "\n".join(connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars())
            for statement, parameters in statements
        ]


@pytest.mark.postgres
def test_postgresql_answers_tag_word_and_star_filters_from_their_indexes(postgres_engine: Engine) -> None:
    from sqlalchemy import text

    with postgres_engine.begin() as connection:
        # As in the benchmark: a word on 8% of the rows, a tag on 10%, a star on 1%.
        connection.execute(
            text(
                "INSERT INTO image_records (prompt, image_filename, description, created_at, starred, tags) "
                "SELECT 'a painting of item ' || n || CASE WHEN n % 12 = 0 THEN ' zeppelin' ELSE '' END, "
                "n || '.webp', 'caption ' || md5(n::text), now() - n * interval '1 minute', n % 97 = 0, "
                "CASE WHEN n % 10 = 0 THEN ARRAY['poster', 'client ' || (n % 7)] ELSE ARRAY['client ' || (n % 7)] END "
                "FROM generate_series(1, 20000) AS n"
            )
        )
    with postgres_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE image_records"))

    tag_only = plans_of(postgres_engine, HistoryQuery(tags=("poster",), limit=10))
    tag_and_word = plans_of(postgres_engine, HistoryQuery(search="zeppelin", tags=("poster",), limit=10))
    starred = plans_of(postgres_engine, HistoryQuery(starred=True, limit=10))

    assert any("ix_image_records_tags" in plan for plan in tag_only), "\n\n".join(tag_only)
    assert all("Seq Scan" not in plan for plan in tag_only + tag_and_word), "\n\n".join(tag_only + tag_and_word)
    assert all("ix_image_records_starred_created_at" in plan for plan in starred), "\n\n".join(starred)
