"""Status counts stored objects that no record points to, and says nothing about them when there are none."""

from __future__ import annotations

import os
import time

from core.app.images import new_object_keys
from core.db.engine import create_engine_for, migrate
from core.db.repository import RecordRepository
from core.storage.local import LocalStore
from tests.app.conftest import page


def run_checks():
    at = page("pages/status.py").run()
    at.button(key="run_checks").click().run()
    assert not at.exception
    return at


def orphan_warnings(at) -> list[str]:
    return [w.value for w in at.warning if "no record points to" in w.value]


def test_status_counts_old_orphans_and_points_to_gc(data_dir):
    store = LocalStore(data_dir / "images")
    engine = create_engine_for(f"sqlite:///{data_dir / 'app.db'}")
    migrate(engine)
    old, fresh = new_object_keys("webp")[0], new_object_keys("png")[0]
    for key in (old, fresh):
        RecordRepository(engine).record_keys(keys=[key])  # noted before uploading, as every save does
        store.put(key, b"left by a failed save", "image/webp")
    two_hours_ago = time.time() - 7200
    os.utime(store.root / old, (two_hours_ago, two_hours_ago))

    [warning] = orphan_warnings(run_checks())

    assert "no record points to: 1 " in warning and "python -m core gc" in warning


def test_status_says_nothing_about_orphans_when_there_are_none(data_dir):
    assert orphan_warnings(run_checks()) == []
