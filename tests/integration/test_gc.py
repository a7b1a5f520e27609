"""`gc`: objects this database wrote and no record uses are removed after a grace period; nothing else is touched."""

from __future__ import annotations

import json
import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.app.gc import collect_garbage, find_orphans
from core.app.images import new_object_keys
from core.app.pipeline import Draft, Pipeline
from core.db.engine import create_engine_for, migrate
from core.db.repository import RecordRepository
from core.domain.errors import InputError, StorageError
from core.domain.ports import GeneratedImage, GenerationRequest, ImageStore
from core.storage.local import LocalStore
from core.storage.spaces import SpacesStore
from tests.fakes import FakeCaptioner, FakeGenerator, FakeTranscriber, png_bytes
from tests.integration.test_cli import run_cli
from tests.integration.test_repository import new_record

HOUR = timedelta(hours=1)


def past_the_floor() -> datetime:
    """A moment when every object made by the test is older than gc's in-progress floor (10 minutes)."""
    return datetime.now(UTC) + 2 * HOUR


@pytest.fixture(params=["local", pytest.param("spaces", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ImageStore:
    """The local folder (beside SQLite and PostgreSQL) and moto's S3 (beside them too)."""
    if request.param == "local":
        return LocalStore(tmp_path / "images")
    return SpacesStore(request.getfixturevalue("spaces_settings"))


def noted_upload(store: ImageStore, repository: RecordRepository, key: str, data: bytes = b"image") -> str:
    """Upload as the pipeline does: the key goes into the database's ledger first."""
    repository.record_keys(keys=[key])
    store.put(key, data, "image/webp")
    return key


def saved_pair(store: ImageStore, repository: RecordRepository) -> tuple[str, str]:
    image, thumbnail = new_object_keys("png")
    noted_upload(store, repository, image)
    noted_upload(store, repository, thumbnail, b"thumb")
    repository.add(record=new_record(image_filename=image, thumbnail_filename=thumbnail))
    return image, thumbnail


@pytest.fixture
def other_repository(tmp_path: Path) -> RecordRepository:
    """A second deployment's database (SQLite) beside the parametrised one."""
    engine = create_engine_for(f"sqlite:///{tmp_path / 'other.db'}")
    migrate(engine)
    return RecordRepository(engine)


def test_only_unreferenced_app_objects_past_the_grace_period_are_orphans(store, repository):
    kept = saved_pair(store, repository)
    image_without_row, thumbnail_without_image = new_object_keys("webp")
    noted_upload(store, repository, image_without_row, b"left by a failed save")  # e.g. storage failed mid-save
    store.put(new_object_keys("webp")[0], b"app-made, but not by this database", "image/webp")
    store.put("images/holiday.png", b"not a key the app makes", "image/png")
    store.put("notes/readme.txt", b"someone else's object", "text/plain")
    later = datetime.now(UTC) + 2 * HOUR

    orphans = find_orphans(store, repository, older_than=HOUR, now=later)

    assert [o.key for o in orphans.objects] == [image_without_row]
    assert orphans.complete and orphans.scanned == 4  # only keys the app makes are looked at
    assert orphans.unrecorded == 1  # the one this database never noted is left alone
    assert find_orphans(store, repository, older_than=HOUR).objects == []  # still within the grace period
    assert thumbnail_without_image not in [o.key for o in orphans.objects]
    assert all(store.exists(key) for key in kept)


def test_dry_run_lists_and_a_real_run_removes_only_the_orphans(store, repository):
    kept = saved_pair(store, repository)
    orphan, _ = new_object_keys("jpg")
    noted_upload(store, repository, orphan, b"orphan")
    store.put("notes/readme.txt", b"someone else's object", "text/plain")

    listed = collect_garbage(store, repository, older_than=timedelta(0), now=past_the_floor(), dry_run=True)
    assert [o["key"] for o in listed["orphans"]] == [orphan] and listed["removed"] == 0
    assert store.exists(orphan)

    removed = collect_garbage(store, repository, older_than=timedelta(0), now=past_the_floor(), dry_run=False)
    assert removed["removed"] == 1 and not store.exists(orphan)
    assert all(store.exists(key) for key in (*kept, "notes/readme.txt"))
    assert (
        collect_garbage(store, repository, older_than=timedelta(0), now=past_the_floor(), dry_run=False)["orphans"]
        == []
    )


def test_key_status_answers_in_batches_beyond_one_query(repository):
    pairs = [new_object_keys("png") for _ in range(3)]
    for image, thumbnail in pairs:
        repository.record_keys(keys=[image, thumbnail])
        repository.add(record=new_record(image_filename=image, thumbnail_filename=thumbnail))
    unused = [f"images/{uuid.uuid4()}.png" for _ in range(1200)]
    repository.record_keys(keys=unused)
    unknown = [f"images/{uuid.uuid4()}.png" for _ in range(600)]
    used = [key for pair in pairs for key in pair]

    status = repository.key_status(keys=unknown + unused + used)

    assert status == {**dict.fromkeys(unused, False), **dict.fromkeys(used, True)}


def test_two_databases_sharing_one_bucket_never_collect_each_others_images(store, repository, other_repository):
    ours = saved_pair(store, repository)
    theirs = saved_pair(store, other_repository)
    our_orphan = noted_upload(store, repository, new_object_keys("webp")[0])
    their_orphan = noted_upload(store, other_repository, new_object_keys("webp")[0])

    ours_report = collect_garbage(store, repository, older_than=timedelta(0), now=past_the_floor(), dry_run=False)
    theirs_report = collect_garbage(
        store, other_repository, older_than=timedelta(0), now=past_the_floor(), dry_run=False
    )

    assert [o["key"] for o in ours_report["orphans"]] == [our_orphan]
    assert [o["key"] for o in theirs_report["orphans"]] == [their_orphan]
    assert ours_report["unrecorded"] == 3  # the other deployment's pair and orphan, left alone
    assert all(store.exists(key) for key in (*ours, *theirs))
    assert not store.exists(our_orphan) and not store.exists(their_orphan)


def test_gc_on_the_wrong_database_refuses_and_deletes_nothing(store, repository, tmp_path):
    kept = saved_pair(store, repository)
    orphan = noted_upload(store, repository, new_object_keys("webp")[0])
    fresh = create_engine_for(f"sqlite:///{tmp_path / 'forgotten-database-url.db'}")
    migrate(fresh)

    with pytest.raises(InputError, match="not the database that stored them"):
        collect_garbage(store, RecordRepository(fresh), older_than=timedelta(0), now=past_the_floor(), dry_run=False)

    assert all(store.exists(key) for key in (*kept, orphan))


def test_gc_command_on_the_embedded_defaults_lists_then_removes_an_old_orphan(tmp_path):
    env = {"DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1"}
    assert run_cli("migrate", env=env).returncode == 0
    orphan_key, fresh_key = (new_object_keys("webp")[0] for _ in range(2))
    store = LocalStore(tmp_path / "data" / "images")
    ledger = RecordRepository(create_engine_for(f"sqlite:///{tmp_path / 'data' / 'app.db'}"))
    for key in (orphan_key, fresh_key):
        noted_upload(store, ledger, key, b"left behind")
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

    zero = run_cli("gc", "--older-than", "0", env=env)
    assert zero.returncode == 0, zero.stderr
    assert store.exists(fresh_key) and "save in progress" in json.loads(zero.stdout)["note"]  # the floor holds

    bad = run_cli("gc", "--older-than", "-5", env=env)
    assert bad.returncode == 2

    wrong = run_cli("gc", "--older-than", "0", env={**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"})
    assert wrong.returncode == 2 and "DATABASE_URL" in wrong.stderr
    assert store.exists(fresh_key)  # the wrong database deleted nothing


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
        records=repository,
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
    collect_garbage(healthy, repository, older_than=timedelta(0), now=past_the_floor(), dry_run=False)
    assert list(healthy.list_objects("images/")) == []
