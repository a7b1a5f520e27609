"""/readyz tells a stranger ready or not, part by part; hosts, names, counts and folders only to the signed in."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from web.readiness import WarmUp


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "secret-folder-name"
    monkeypatch.setenv("DATA_DIR", str(folder))
    monkeypatch.setenv("WHISPER_MODEL", str(tmp_path / "no-such-whisper"))  # fails at once, as offline would
    monkeypatch.setenv("CAPTION_MODEL", str(tmp_path / "no-such-blip"))
    monkeypatch.setenv("PRELOAD_MODELS", "true")
    return folder


def _warmed_client() -> TestClient:
    warm_up = WarmUp()
    warm_up._run()  # the start-up's warm-up, here on this thread
    deadline = time.monotonic() + 30
    while any(state["detail"] in ("waiting", "loading") for state in warm_up.report().values()):
        assert time.monotonic() < deadline, "the models neither loaded nor failed"
        time.sleep(0.1)
    return TestClient(Starlette(routes=warm_up.routes))


def test_a_stranger_learns_which_parts_are_ready_and_nothing_about_hosts_folders_or_counts(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APP_PASSWORD", "right")

    answer = _warmed_client().get("/readyz")

    body = answer.json()
    assert answer.status_code == 503 and body["not_ready"] == ["speech_model", "caption_model", "embedding_model"]
    assert body["parts"]["database"] == {"ready": True} and body["parts"]["storage"] == {"ready": True}
    said = json.dumps(body)
    for detail in (data.name, "sqlite", "schema revision", "images", "no-such-whisper"):
        assert detail not in said, detail
    assert "python -m core check" in body["details"]


def test_a_signed_in_visitor_sees_the_details(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from core.access import policy
    from core.app import process

    monkeypatch.setenv("APP_PASSWORD", "right")
    client = _warmed_client()
    current = process.services_for(process.current_settings({}))
    signed_in = policy.sign_in("right", "", current.settings, lambda: current.access, client="::1", now=time.time())
    assert isinstance(signed_in, policy.Allowed)
    client.cookies.set(policy.PASS_COOKIE, signed_in.token)

    parts = client.get("/readyz").json()["parts"]

    assert "schema revision" in parts["database"]["detail"] and data.name in parts["storage"]["detail"]


def test_an_open_app_shows_the_details_to_everyone_as_its_pages_do(data: Path) -> None:
    parts = _warmed_client().get("/readyz").json()["parts"]

    assert data.name in parts["storage"]["detail"]


def test_a_model_that_failed_to_load_names_the_way_out_even_to_a_stranger(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APP_PASSWORD", "right")

    parts = _warmed_client().get("/readyz").json()["parts"]

    for part, setting in (("speech_model", "WHISPER_MODEL"), ("caption_model", "CAPTION_MODEL")):
        assert "make run-remote" in parts[part]["fix"] and setting in parts[part]["fix"]
