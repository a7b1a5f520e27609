"""`gc`: objects no record points to are found and removed after a grace period; nothing else is touched."""

from __future__ import annotations

import json
import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from core.app.gc import collect_garbage, find_orphans
from core.app.images import new_object_keys
from core.app.pipeline import Draft, Pipeline
from core.db.repository import RecordRepository
from core.domain.errors import StorageError
from core.domain.ports import GeneratedImage, GenerationRequest, ImageStore
from core.storage.local import LocalStore
from core.storage.spaces import SpacesStore
from tests.fakes import FakeCaptioner, FakeGenerator, FakeTranscriber, png_bytes
from tests.integration.test_cli import run_cli
from tests.integration.test_repository import new_record

HOUR = timedelta(hours=1)


@pytest.fixture(params=["local", pytest.param("spaces", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ImageStore:
    """The local folder (beside SQLite and PostgreSQL) and moto's S3 (beside them too)."""
    if request.param == "local":
        return LocalStore(tmp_path / "images")
    return SpacesStore(request.getfixturevalue("spaces_settings"))


@pytest.fixture
def repository(migrated_engine: Engine) -> RecordRepository:
    return RecordRepository(migrated_engine)


def saved_pair(store: ImageStore, repository: RecordRepository) -> tuple[str, str]:
    image, thumbnail = new_object_keys("png")
    store.put(image, b"image", "image/png")
    store.put(thumbnail, b"thumb", "image/webp")
    repository.add(record=new_record(image_filename=image, thumbnail_filename=thumbnail))
    return image, thumbnail


def test_only_unreferenced_app_objects_past_the_grace_period_are_orphans(store, repository):
    kept = saved_pair(store, repository)
    image_without_row, thumbnail_without_image = new_object_keys("webp")
    store.put(image_without_row, b"left by a failed save", "image/webp")  # e.g. storage failed mid-save
    store.put("images/holiday.png", b"not a key the app makes", "image/png")
    store.put("notes/readme.txt", b"someone else's object", "text/plain")
    later = datetime.now(UTC) + 2 * HOUR

    orphans = find_orphans(store, repository, older_than=HOUR, now=later)

    assert [o.key for o in orphans.objects] == [image_without_row]
    assert orphans.complete and orphans.scanned == 3  # only keys the app makes are looked at
    assert find_orphans(store, repository, older_than=HOUR).objects == []  # still within the grace period
    assert thumbnail_without_image not in [o.key for o in orphans.objects]
    assert all(store.exists(key) for key in kept)


def test_dry_run_lists_and_a_real_run_removes_only_the_orphans(store, repository):
    kept = saved_pair(store, repository)
    orphan, _ = new_object_keys("jpg")
    store.put(orphan, b"orphan", "image/jpeg")
    store.put("notes/readme.txt", b"someone else's object", "text/plain")

    listed = collect_garbage(store, repository, older_than=timedelta(0), dry_run=True)
    assert [o["key"] for o in listed["orphans"]] == [orphan] and listed["removed"] == 0
    assert store.exists(orphan)

    removed = collect_garbage(store, repository, older_than=timedelta(0), dry_run=False)
    assert removed["removed"] == 1 and not store.exists(orphan)
    assert all(store.exists(key) for key in (*kept, "notes/readme.txt"))
    assert collect_garbage(store, repository, older_than=timedelta(0), dry_run=False)["orphans"] == []


def test_referenced_keys_are_found_in_batches_beyond_one_query(repository):
    pairs = [new_object_keys("png") for _ in range(3)]
    for image, thumbnail in pairs:
        repository.add(record=new_record(image_filename=image, thumbnail_filename=thumbnail))
    used = [key for pair in pairs for key in pair]
    unknown = [f"images/{uuid.uuid4()}.png" for _ in range(1200)]
    assert repository.referenced_keys(keys=unknown + used) == set(used)


def test_gc_command_on_the_embedded_defaults_lists_then_removes_an_old_orphan(tmp_path):
    env = {"DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1"}
    assert run_cli("migrate", env=env).returncode == 0
    orphan_key, fresh_key = (new_object_keys("webp")[0] for _ in range(2))
    store = LocalStore(tmp_path / "data" / "images")
    for key in (orphan_key, fresh_key):
        store.put(key, b"left behind", "image/webp")
    two_hours_ago = time.time() - 7200
    os.utime(store.root / orphan_key, (two_hours_ago, two_hours_ago))

    dry = run_cli("gc", "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    report = json.loads(dry.stdout)
    assert [o["key"] for o in report["orphans"]] == [orphan_key] and report["removed"] == 0
    assert store.exists(orphan_key)

    real = run_cli("gc", env=env)
    assert json.loads(real.stdout)["removed"] == 1
    assert not store.exists(orphan_key) and store.exists(fresh_key)  # the fresh one may be a save in progress

    bad = run_cli("gc", "--older-than", "-5", env=env)
    assert bad.returncode == 2


class FlakyStore(LocalStore):
    """A folder whose thumbnail uploads and deletes fail, as when storage goes away mid-save."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        if key.startswith("thumbnails/"):
            raise StorageError("Spaces stopped answering.")
        super().put(key, data, content_type)

    def delete(self, key: str) -> None:
        raise StorageError("Spaces stopped answering.")


def test_the_image_left_by_storage_failing_between_image_and_thumbnail_is_collected(repository, tmp_path):
    flaky = FlakyStore(tmp_path / "images")
    pipeline = Pipeline(
        store=flaky,
        repository=repository,
        generator=FakeGenerator(),
        transcriber=FakeTranscriber,
        captioner=FakeCaptioner,
    )
    draft = Draft(image=GeneratedImage(png_bytes(), "png"), request=GenerationRequest(prompt="a kite"), image_model="x")
    with pytest.raises(StorageError):
        pipeline.save(draft)
    [left] = list(flaky.list_objects("images/"))

    healthy = LocalStore(flaky.root)
    later = datetime.now(UTC) + 2 * HOUR
    assert [o.key for o in find_orphans(healthy, repository, older_than=HOUR, now=later).objects] == [left.key]
    collect_garbage(healthy, repository, older_than=timedelta(0), dry_run=False)
    assert list(healthy.list_objects("images/")) == []
