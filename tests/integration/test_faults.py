"""Faults in the database and the image store: clear messages, no half-saved images, and recovery once fixed."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import psycopg
import pytest
import streamlit as st

from core.app.pipeline import Draft
from core.app.services import Services, build_services
from core.config.settings import Secret, Settings, SpacesSettings, load_settings
from core.db.engine import migrate
from core.db.repository import RecordRepository
from core.domain.errors import DatabaseError, StorageError
from core.domain.ports import GenerationRequest
from core.domain.records import HistoryQuery, ImageRecordView, NewRecord
from tests.app.conftest import finish_runs, page
from tests.app.shown_text import as_read
from tests.fakes import FakeCaptioner, FakeGenerator, FakeTranscriber
from tests.fixtures.postgres_databases import postgres_port
from tests.fixtures.replicate_server import FakeReplicate
from tests.fixtures.s3 import moto_auth, s3_client, spaces_env
from ui.navigation import CREATE_PAGE

pytestmark = pytest.mark.postgres


class TcpRelay:
    """Forwards a loopback port to another one: a service that is unreachable until `start`, and after `stop`."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        with socket.socket() as probe:  # reserve a port number that nothing listens on yet
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self._listener: socket.socket | None = None
        self._open: list[socket.socket] = []

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        for sock in [self._listener, *self._open]:
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
        self._listener, self._open = None, []

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
                server = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                return
            server.settimeout(None)
            self._open += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


def settings_for(database_url: str, spaces: SpacesSettings, tmp_path: Path, **extra: str) -> Settings:
    environ = {"DATABASE_URL": database_url, "DATA_DIR": str(tmp_path / "data"), **spaces_env(spaces), **extra}
    return load_settings(environ, dotenv_path=None)


def services_for(settings: Settings) -> Services:
    services = build_services(settings, transcriber=FakeTranscriber, captioner=FakeCaptioner)
    return replace(services, generator=FakeGenerator())


def a_draft(services: Services, prompt: str = "a lighthouse on a cliff") -> Draft:
    (draft,) = services.pipeline.generate(GenerationRequest(prompt=prompt))
    return services.pipeline.caption(draft)


def bucket_keys(spaces: SpacesSettings) -> set[str]:
    client = s3_client(spaces)
    return {item["Key"] for item in client.list_objects_v2(Bucket=spaces.bucket).get("Contents", [])}


def all_records(services: Services) -> list[ImageRecordView]:
    return services.records.search(query=HistoryQuery(limit=1000)).records


def with_port(database_url: str, port: int) -> str:
    return database_url.replace(f"127.0.0.1:{postgres_port()}/", f"127.0.0.1:{port}/")


@pytest.fixture
def database_relay() -> Iterator[TcpRelay]:
    relay = TcpRelay(postgres_port())
    try:
        yield relay
    finally:
        relay.stop()


@pytest.fixture
def fresh_streamlit_caches() -> Iterator[None]:
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def test_create_page_with_the_database_down_at_start_still_generates_and_saves_once_it_is_back(
    postgres_url: str,
    spaces_settings: SpacesSettings,
    fake_replicate: FakeReplicate,
    tiny_blip_dir: Path,
    database_relay: TcpRelay,
    fresh_streamlit_caches: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    migrate(postgres_url)  # the database that is down already holds its schema
    environ = {
        "DATABASE_URL": with_port(postgres_url, database_relay.port),
        "DATA_DIR": str(tmp_path / "data"),
        "REPLICATE_API_TOKEN": fake_replicate.token,
        "REPLICATE_BASE_URL": fake_replicate.base_url,
        "CAPTION_MODEL": str(tiny_blip_dir),
        **spaces_env(spaces_settings),
    }
    for name, value in environ.items():
        monkeypatch.setenv(name, value)

    at = page("Home.py", timeout=120)  # through the navigation, so Create's link to History resolves
    at.switch_page(CREATE_PAGE).run()
    assert any("Saving is unavailable right now" in w.value for w in at.warning)
    at.text_area(key="prompt").set_value("a lighthouse on a cliff").run()
    at.button(key="generate").click().run()
    finish_runs(at)  # Generate runs on a worker thread; its image shows on the rerun after it ends
    assert not at.exception
    assert len(at.image) == 1, "the image is shown although the database is down"

    save = f"save_{at.session_state['_runs'][0].id[:8]}_0"  # the first image of the newest run
    at.button(key=save).click().run()
    assert not at.exception
    messages = [as_read(e.value) for e in at.error]  # the database's words are outside text, shown escaped
    assert any("Cannot reach PostgreSQL" in m and "DB_HOST" in m for m in messages), messages
    assert len(at.image) == 1 and at.button(key=save).label == "Save", "the draft is still there to save"
    assert not any("Saved as" in s.value for s in at.success)
    assert bucket_keys(spaces_settings) == set()

    database_relay.start()
    at.button(key=save).click().run()
    assert not at.exception
    assert any("Saved as #1" in s.value for s in at.success)
    current = services_for(load_settings(dotenv_path=None))
    records = all_records(current)
    current.database.dispose()
    assert [r.prompt for r in records] == ["a lighthouse on a cliff"]
    assert bucket_keys(spaces_settings) == {records[0].image_filename, records[0].thumbnail_filename}


def test_a_save_refused_while_the_database_is_away_succeeds_with_the_same_draft_once_it_is_back(
    postgres_url: str, spaces_settings: SpacesSettings, database_relay: TcpRelay, tmp_path: Path
) -> None:
    database_relay.start()
    services = services_for(settings_for(with_port(postgres_url, database_relay.port), spaces_settings, tmp_path))
    draft = a_draft(services)
    database_relay.stop()

    with pytest.raises(DatabaseError, match="Cannot reach PostgreSQL"):
        services.pipeline.save(draft)
    assert draft.image_key is not None
    assert bucket_keys(spaces_settings) == {draft.image_key}  # the paid image, kept as a draft; no thumbnail

    database_relay.start()
    saved = services.pipeline.save(draft)
    assert saved.created and len(all_records(services)) == 1
    assert bucket_keys(spaces_settings) == {saved.record.image_filename, saved.record.thumbnail_filename}


@dataclass
class TableVanishesOnInsert:
    """The real repository, except that the table is renamed away just before the insert (after the uploads)."""

    real: RecordRepository
    admin_conninfo: str

    def add(self, *, record: NewRecord, from_draft: int | None = None) -> tuple[ImageRecordView, bool]:
        with psycopg.connect(self.admin_conninfo, autocommit=True) as connection:
            connection.execute("ALTER TABLE image_records RENAME TO image_records_away")
        return self.real.add(record=record, from_draft=from_draft)

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)


def test_database_failing_during_a_save_leaves_no_objects_behind_and_the_draft_saves_later(
    postgres_url: str, spaces_settings: SpacesSettings, tmp_path: Path
) -> None:
    services = services_for(settings_for(postgres_url, spaces_settings, tmp_path))
    conninfo = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    failing = replace(services, records=TableVanishesOnInsert(services.records, conninfo))  # type: ignore[arg-type]
    draft = a_draft(services)

    with pytest.raises(DatabaseError, match="image_records"):
        failing.pipeline.save(draft)
    assert bucket_keys(spaces_settings) == {draft.image_key}, "the save's upload was removed; the draft's stays"

    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute("ALTER TABLE image_records_away RENAME TO image_records")
    saved = services.pipeline.save(draft)
    assert saved.created and [r.id for r in all_records(services)] == [saved.record.id]
    assert bucket_keys(spaces_settings) == {saved.record.image_filename, saved.record.thumbnail_filename}


@pytest.mark.parametrize("fault", ["access_denied", "missing_bucket", "unreachable_endpoint"])
def test_storage_faults_are_explained_save_nothing_and_the_draft_saves_once_fixed(
    fault: str, postgres_url: str, spaces_settings: SpacesSettings, tmp_path: Path
) -> None:
    relay = TcpRelay(int(spaces_settings.endpoint.rsplit(":", 1)[1]))
    broken = {
        "access_denied": replace(spaces_settings, key="AKIAUNKNOWNKEY000001", secret=Secret("wrong-secret-xyz-99")),
        "missing_bucket": replace(spaces_settings, bucket=f"{spaces_settings.bucket}-later"),
        "unreachable_endpoint": replace(spaces_settings, endpoint=f"http://127.0.0.1:{relay.port}"),
    }[fault]
    expected = {
        "access_denied": "check SPACES_KEY and SPACES_SECRET",
        "missing_bucket": "does not exist: create it, or fix SPACES_BUCKET",
        "unreachable_endpoint": "Cannot reach Spaces",
    }[fault]
    services = services_for(settings_for(postgres_url, broken, tmp_path))
    draft = a_draft(services)

    auth = moto_auth() if fault == "access_denied" else contextlib.nullcontext()
    with auth, pytest.raises(StorageError, match=expected) as raised:
        services.pipeline.save(draft)
    assert "wrong-secret-xyz-99" not in str(raised.value)
    assert all_records(services) == []
    # Only a draft kept before the fault (moto checks keys only inside `auth`) is in the bucket: no save's upload.
    assert bucket_keys(spaces_settings) == ({draft.image_key} if draft.image_key else set())

    if fault == "access_denied":
        services = services_for(settings_for(postgres_url, spaces_settings, tmp_path))  # the right key, restarted
    elif fault == "missing_bucket":
        s3_client(spaces_settings).create_bucket(Bucket=broken.bucket)
    else:
        relay.start()
    try:
        saved = services.pipeline.save(draft)
        assert saved.created and [r.id for r in all_records(services)] == [saved.record.id]
        assert bucket_keys(broken if fault == "missing_bucket" else spaces_settings) == {
            saved.record.image_filename,
            saved.record.thumbnail_filename,
        }
    finally:
        relay.stop()
        if fault == "missing_bucket":
            client = s3_client(spaces_settings)
            for key in bucket_keys(broken):
                client.delete_object(Bucket=broken.bucket, Key=key)
            client.delete_bucket(Bucket=broken.bucket)


def test_after_a_restart_every_saved_record_and_image_is_still_there(
    postgres_url: str, spaces_settings: SpacesSettings, tmp_path: Path
) -> None:
    settings = settings_for(postgres_url, spaces_settings, tmp_path)
    before = services_for(settings)
    drafts = [a_draft(before, f"picture number {n}") for n in range(3)]
    originals = {before.pipeline.save(draft).record.id: draft.image.data for draft in drafts}
    before.database.dispose()

    after = services_for(settings)
    records = all_records(after)
    assert sorted(r.id for r in records) == sorted(originals)
    for record in records:
        assert after.store.get(record.image_filename) == originals[record.id]
        assert record.thumbnail_filename and after.store.exists(record.thumbnail_filename)
    assert after.pipeline.save(drafts[0]).created is False, "a restart does not make a saved image new again"
