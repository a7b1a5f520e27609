"""An EditRun on its worker thread, on SQLite and PostgreSQL: the edit is kept unsaved, then saved once."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import Engine

from core.app.edit_run import EditInput, EditRun
from tests.fixtures.replicate_server import FakeReplicate
from tests.integration.test_edit_run import editing, saved_source


def test_a_run_keeps_the_captioned_edit_unsaved_until_save_which_stores_one_child_however_often_called(
    migrated_engine: Engine, tmp_path: Path, fake_replicate: FakeReplicate
) -> None:
    work = editing(migrated_engine, tmp_path, fake_replicate)
    parent = saved_source(work)
    run = EditRun(work, EditInput(record_id=parent, instruction="make it night", transcript="make it night"))

    assert run.start().wait(30)

    assert run.error is None and run.draft is not None and run.source is not None
    assert (run.source.id, run.draft.caption, run.draft.parent_id) == (parent, "a dark lighthouse", parent)
    assert [stage.name for stage in run.stages] == ["generate", "caption"]
    repository = work.pipeline.records
    assert [r.id for r in repository.family(record_id=parent)] == [parent]  # type: ignore[attr-defined]

    ids: list[int] = []
    savers = [threading.Thread(target=lambda: ids.append(run.save())) for _ in range(3)]  # three Save clicks at once
    for saver in savers:
        saver.start()
    for saver in savers:
        saver.join()

    assert len(set(ids)) == 1
    child = repository.get(record_id=ids[0])  # type: ignore[attr-defined]
    assert (child.parent_id, child.edit_instruction, child.transcript) == (parent, "make it night", "make it night")
    assert len(fake_replicate.created) == 1


def test_a_failed_run_keeps_its_error_and_saves_nothing(
    migrated_engine: Engine, tmp_path: Path, fake_replicate: FakeReplicate
) -> None:
    work = editing(migrated_engine, tmp_path, fake_replicate)
    parent = saved_source(work)
    fake_replicate.queue("status_422")
    run = EditRun(work, EditInput(record_id=parent, instruction="make it night"))

    assert run.start().wait(30)

    assert run.draft is None and run.error is not None
    assert "422" in str(run.error) or "input" in str(run.error).lower()
    assert [r.id for r in work.pipeline.records.family(record_id=parent)] == [parent]  # type: ignore[attr-defined]


def test_an_unknown_source_is_an_error_before_any_payment(
    migrated_engine: Engine, tmp_path: Path, fake_replicate: FakeReplicate
) -> None:
    run = EditRun(editing(migrated_engine, tmp_path, fake_replicate), EditInput(record_id=999, instruction="night"))

    assert run.start().wait(30)

    assert "There is no image #999" in str(run.error)
    assert fake_replicate.created == []
