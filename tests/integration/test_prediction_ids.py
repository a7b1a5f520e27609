"""Every paid image keeps the id of the Replicate prediction that made it: on its draft, and on its record.

The real client talks to the fake Replicate over HTTP; drafts and records are on SQLite and PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from core.app.drafts import list_unsaved, save_drafts
from core.app.edit import Editing
from core.app.pipeline import Pipeline
from core.cli.drafts import draft_json
from core.config.settings import Secret, Settings
from core.db.drafts import SqlDrafts
from core.db.repository import RecordRepository
from core.domain.drafts import SavedImage
from core.domain.ports import GenerationRequest
from core.replicate.client import ReplicateModel
from core.replicate.flux import IMAGE_TASK, ReplicateGenerator
from core.replicate.kontext import EDIT_TASK, ReplicateEditor
from core.replicate.task import ModelTask
from core.storage.local import LocalStore
from tests.fakes import FakeCaptioner, FakeTranscriber
from tests.fixtures.replicate_server import FakeReplicate


def replicate_model(fake: FakeReplicate, model: str, task: ModelTask) -> ReplicateModel:
    return ReplicateModel(
        api_token=Secret(fake.token), model=model, task=task, base_url=fake.base_url, sleep=lambda s: None
    )


@pytest.fixture
def drafts(migrated_engine: Engine) -> SqlDrafts:
    return SqlDrafts(migrated_engine)


@pytest.fixture
def pipeline(migrated_engine: Engine, drafts: SqlDrafts, tmp_path: Path, fake_replicate: FakeReplicate) -> Pipeline:
    return Pipeline(
        store=LocalStore(tmp_path / "images"),
        records=RecordRepository(migrated_engine),
        generator=ReplicateGenerator(replicate_model(fake_replicate, Settings.image_model, IMAGE_TASK)),
        transcriber=FakeTranscriber,
        captioner=FakeCaptioner,
        drafts=drafts,
    )


def prediction_ids(fake: FakeReplicate, model: str) -> set[str]:
    return {p.id for p in fake.predictions.values() if p.model == model}


def test_a_created_image_keeps_its_prediction_id_on_the_draft_row_and_on_the_saved_record(
    pipeline: Pipeline, drafts: SqlDrafts, fake_replicate: FakeReplicate
) -> None:
    [draft] = pipeline.generate(GenerationRequest(prompt="a lighthouse", seed=3))
    [made] = prediction_ids(fake_replicate, Settings.image_model)

    [stored] = list_unsaved(drafts)
    assert draft.prediction_id == stored.prediction_id == made
    assert draft_json(stored)["prediction_id"] == made  # what `python -m core drafts` prints

    saved = save_drafts(pipeline, drafts, [stored.id]).saved[0]  # read back from the row, as after a restart
    assert saved.record.prediction_id == made
    assert pipeline.records.get_many(record_ids=[saved.record.id])[0].prediction_id == made


def test_each_image_of_a_batch_keeps_the_id_of_its_own_prediction(
    pipeline: Pipeline, drafts: SqlDrafts, fake_replicate: FakeReplicate
) -> None:
    made = pipeline.generate(GenerationRequest(prompt="three kites", num_outputs=3, seed=10))

    by_seed = {p.input["seed"]: p.id for p in fake_replicate.predictions.values()}
    assert [d.prediction_id for d in made] == [by_seed[10], by_seed[11], by_seed[12]]
    assert len(set(by_seed.values())) == 3
    stored = {s.id: s.prediction_id for s in list_unsaved(drafts)}
    assert [stored[d.draft_id] for d in made if d.draft_id is not None] == [d.prediction_id for d in made]
    records = [pipeline.save(d).record for d in made]
    assert [r.prediction_id for r in records] == [by_seed[10], by_seed[11], by_seed[12]]


def test_an_edit_keeps_the_id_of_the_edit_prediction_not_of_its_source(
    pipeline: Pipeline, drafts: SqlDrafts, fake_replicate: FakeReplicate
) -> None:
    [source] = pipeline.create(GenerationRequest(prompt="a lighthouse", seed=5))
    assert isinstance(source, SavedImage)
    editor = ReplicateEditor(replicate_model(fake_replicate, Settings.image_edit_model, EDIT_TASK))
    editing = Editing(pipeline=pipeline, editor=editor)

    draft = editing.edit(editing.source(source.record.id), "make it night", seed=9)
    [edit_prediction] = prediction_ids(fake_replicate, Settings.image_edit_model)

    assert draft.prediction_id == edit_prediction
    assert drafts.get_drafts(draft_ids=[draft.draft_id or 0])[0].prediction_id == edit_prediction
    record = pipeline.save(draft).record
    assert record.prediction_id == edit_prediction != source.record.prediction_id
