"""An edit run end to end on SQLite and PostgreSQL: real store, real repository, the fake Replicate over HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from core.app.edit import Editing
from core.app.pipeline import Pipeline
from core.config.settings import Secret, Settings
from core.db.repository import RecordRepository
from core.domain.drafts import Draft, SavedImage
from core.domain.errors import GenerationError, ImageError, InputError
from core.domain.ports import GeneratedImage, GenerationRequest
from core.replicate.client import ReplicateModel
from core.replicate.kontext import EDIT_TASK, ReplicateEditor
from core.storage.local import LocalStore
from tests.fakes import FakeCaptioner, FakeGenerator, FakeTranscriber
from tests.fixtures.replicate_server import FakeReplicate, make_image


def editing(engine: Engine, store_dir: Path, fake: FakeReplicate, token: str | None = "ok") -> Editing:
    pipeline = Pipeline(
        store=LocalStore(store_dir),
        records=RecordRepository(engine),
        generator=FakeGenerator(),
        transcriber=FakeTranscriber,
        captioner=lambda: FakeCaptioner(text="a dark lighthouse"),
    )
    model = ReplicateModel(
        api_token=Secret(fake.token) if token else None,
        model=Settings.image_edit_model,
        task=EDIT_TASK,
        base_url=fake.base_url,
        sleep=lambda s: None,
    )
    editor = ReplicateEditor(model)
    return Editing(pipeline=pipeline, editor=editor)


def saved_source(run: Editing) -> int:
    image = GeneratedImage(make_image(aspect_ratio="3:2", output_format="webp", seed=5), "webp")
    draft = Draft(
        image=image, request=GenerationRequest(prompt="a lighthouse", aspect_ratio="3:2", seed=5), image_model="x"
    )
    return run.pipeline.save(draft).record.id


def test_an_edit_is_captioned_and_saved_as_a_child_and_edits_of_edits_continue_the_chain(
    migrated_engine: Engine, tmp_path: Path, fake_replicate: FakeReplicate
) -> None:
    run = editing(migrated_engine, tmp_path, fake_replicate)
    parent = saved_source(run)

    first = run.run(parent, "  make it night ", seed=9)
    assert isinstance(first, SavedImage)
    assert (first.record.parent_id, first.record.edit_instruction, first.record.prompt) == (
        parent, "make it night", "make it night"
    )  # fmt: skip
    assert (first.record.description, first.record.seed, first.record.aspect_ratio) == ("a dark lighthouse", 9, "3:2")
    assert first.record.image_model == "black-forest-labs/flux-kontext-pro"
    second = run.run(first.record.id, "add a red kite", output_format="png")
    assert isinstance(second, SavedImage)
    assert second.record.parent_id == first.record.id
    family = run.pipeline.records.family(record_id=parent)  # type: ignore[attr-defined]
    assert [r.id for r in family] == [parent, first.record.id, second.record.id]
    assert len(fake_replicate.created) == 2


def test_unknown_id_empty_instruction_and_no_token_pay_nothing(
    migrated_engine: Engine, tmp_path: Path, fake_replicate: FakeReplicate
) -> None:
    run = editing(migrated_engine, tmp_path, fake_replicate)
    parent = saved_source(run)
    with pytest.raises(InputError, match="no image #4242"):
        run.run(4242, "make it night")
    with pytest.raises(InputError):
        run.run(parent, "   ")
    with pytest.raises(GenerationError, match="REPLICATE_API_TOKEN"):
        editing(migrated_engine, tmp_path, fake_replicate, token=None).run(parent, "make it night")
    assert fake_replicate.created == []


def test_an_unreadable_source_and_a_refused_edit_save_nothing(
    migrated_engine: Engine, tmp_path: Path, fake_replicate: FakeReplicate
) -> None:
    run = editing(migrated_engine, tmp_path, fake_replicate)
    parent = saved_source(run)
    record = run.pipeline.records.get_many(record_ids=[parent])[0]
    fake_replicate.queue("nsfw")
    with pytest.raises(GenerationError, match="safety filter"):
        run.run(parent, "make it night")
    (tmp_path / record.image_filename).write_bytes(b"not an image")
    with pytest.raises(ImageError, match="cannot be read back"):
        run.run(parent, "make it night")
    assert len(fake_replicate.created) == 1
    assert [r.id for r in run.pipeline.records.family(record_id=parent)] == [parent]  # type: ignore[attr-defined]
