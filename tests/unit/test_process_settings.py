"""The process's settings: parsed once, read again when a source changes or on an explicit reload."""

from __future__ import annotations

import pytest

from core.app import process


@pytest.fixture(autouse=True)
def fresh(monkeypatch, tmp_path):
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("APP_PASSWORD", raising=False)
    monkeypatch.setattr(process, "DOTENV", tmp_path / ".env")
    process.reload_settings()
    yield
    process.reload_settings()


def test_the_same_sources_give_the_same_parsed_settings_without_parsing_again(monkeypatch) -> None:
    first = process.current_settings({})
    parsed = []
    monkeypatch.setattr(process, "load_settings", lambda **kw: parsed.append(kw))
    assert process.current_settings({}) is first
    assert parsed == []


def test_a_changed_variable_is_read_at_the_next_call(monkeypatch) -> None:
    assert process.current_settings({}).app_password is None
    monkeypatch.setenv("APP_PASSWORD", "now set")
    resolved = process.current_settings({})
    assert resolved.app_password is not None and resolved.app_password.reveal() == "now set"


def test_a_changed_dotenv_or_secret_is_read_again(tmp_path) -> None:
    assert process.current_settings({}).app_password is None
    assert process.current_settings({"APP_PASSWORD": "from secrets"}).app_password is not None
    (tmp_path / ".env").write_text("APP_PASSWORD=from dotenv\n")
    resolved = process.current_settings({})
    assert resolved.app_password is not None and resolved.app_password.reveal() == "from dotenv"


def test_reload_parses_again_even_when_nothing_changed() -> None:
    first = process.current_settings({})
    process.reload_settings()
    assert process.current_settings({}) is not first


def test_the_gate_and_the_pages_share_one_services_per_settings(monkeypatch) -> None:
    monkeypatch.setenv("PRELOAD_MODELS", "false")  # no model loads in a unit test
    resolved = process.current_settings({})
    assert process.services_for(resolved) is process.services_for(process.current_settings({}))
