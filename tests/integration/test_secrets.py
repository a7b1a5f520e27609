"""No secret ever reaches a page, a log line or the command line's output, whether things work or fail."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import streamlit as st
from psycopg import sql
from streamlit.testing.v1 import AppTest

from core.config.settings import SpacesSettings
from tests.app.conftest import ROOT, finish_runs, page, signed_in
from tests.fixtures.embedding import required_minilm_folder
from tests.fixtures.postgres_databases import (
    admin_conninfo,
    create_database,
    drop_database,
    postgres_database_url,
    postgres_port,
)
from tests.fixtures.replicate_server import FakeReplicate
from tests.fixtures.s3 import spaces_env
from ui.navigation import CREATE_PAGE, HISTORY_PAGE, HOME_PAGE, STATUS_PAGE

pytestmark = pytest.mark.postgres

DB_PASSWORD = "dbpw-Q7rT2xLm9w"
SPACES_SECRET = "spaces-sk-Hn4Vw8Zp1e"
REPLICATE_TOKEN = "r8_tok_Kc3Jd6Ye5Fbq"
WRONG_TOKEN = "r8_wrong_Pm8Gt1Wv3s"
APP_PASSWORD = "gate-pw-Xu2Rs7Lq4k"
SECRETS = (DB_PASSWORD, SPACES_SECRET, REPLICATE_TOKEN, WRONG_TOKEN, APP_PASSWORD)
SCENARIOS = ("working", "wrong_token", "database_down")


class Evidence:
    """Everything a person or an operator could see, by where it was seen."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def add(self, where: str, text: str) -> None:
        self.seen[where] = self.seen.get(where, "") + text

    def page(self, where: str, at: AppTest) -> AppTest:
        assert not at.exception, f"{where}: {[e.message for e in at.exception]}"
        self.add(where, rendered_text(at))
        return at

    def leaks(self) -> list[tuple[str, str]]:
        return [(where, secret) for where, text in self.seen.items() for secret in SECRETS if secret in text]


def rendered_text(at: AppTest) -> str:
    """Every element's full protobuf (labels, bodies, values, URLs, help texts), main area and sidebar."""
    parts: list[str] = []

    def walk(node: object) -> None:
        if (proto := getattr(node, "proto", None)) is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


@pytest.fixture
def secret_database(postgres_server: str) -> Iterator[str]:
    """A database owned by a role that has a password, reached through a URL that carries it."""
    role = f"secret_role_{uuid.uuid4().hex[:10]}"
    name = create_database("secrets").rsplit("/", 1)[1]
    admin = admin_conninfo()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role), DB_PASSWORD))
        connection.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(name), sql.Identifier(role)))
    try:
        yield postgres_database_url(name, user=f"{role}:{DB_PASSWORD}")
    finally:
        drop_database(name)
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


@pytest.fixture
def every_log_line(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """caplog at DEBUG for every logger, including those (like streamlit's) that do not propagate."""
    loggers = [logging.getLogger()] + [
        logger for logger in logging.root.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    levels = {logger: logger.level for logger in loggers}
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        if not logger.propagate:
            logger.addHandler(caplog.handler)
    try:
        yield caplog
    finally:
        for logger, level in levels.items():
            logger.setLevel(level)
            if caplog.handler in logger.handlers and logger is not logging.getLogger():
                logger.removeHandler(caplog.handler)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def configure(
    scenario: str,
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    spaces: SpacesSettings,
    replicate: FakeReplicate,
    tiny_blip_dir: Path,
    tmp_path: Path,
) -> dict[str, str]:
    """Set the environment of one scenario; every secret has a known, searchable value."""
    replicate.token = REPLICATE_TOKEN  # the only token the fake accepts
    if scenario == "database_down":
        database_url = database_url.replace(f":{postgres_port()}/", f":{closed_port()}/")
    environ = {
        **spaces_env(spaces),
        "SPACES_SECRET": SPACES_SECRET,  # moto checks no signatures here, so any secret works
        "DATABASE_URL": database_url,
        "DATA_DIR": str(tmp_path / "data"),
        "REPLICATE_API_TOKEN": WRONG_TOKEN if scenario == "wrong_token" else REPLICATE_TOKEN,
        "REPLICATE_BASE_URL": replicate.base_url,
        "REPLICATE_MAX_RETRIES": "0",
        "CAPTION_MODEL": str(tiny_blip_dir),
        "EMBEDDING_MODEL": str(required_minilm_folder()),  # so `check` can pass when all is well
        "APP_PASSWORD": APP_PASSWORD,
    }
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    st.cache_resource.clear()
    st.cache_data.clear()
    return environ


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_no_page_shows_or_logs_a_secret(
    scenario: str,
    secret_database: str,
    spaces_settings: SpacesSettings,
    fake_replicate: FakeReplicate,
    tiny_blip_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    every_log_line: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    configure(scenario, monkeypatch, secret_database, spaces_settings, fake_replicate, tiny_blip_dir, tmp_path)
    evidence = Evidence()

    # The password form through a page script: AppTest loses form input on Home.py, which resolves the
    # navigation before the gate (the browser tests type into Home.py's form). Every page runs the same gate.
    gate = page(HOME_PAGE, timeout=120)
    evidence.page("gate", gate.run())
    gate.text_input(key="access_password").input(APP_PASSWORD)
    evidence.page("gate submitted", gate.button[0].click().run())
    if scenario == "database_down":  # no shared budget to count the try against: the form says so, stays shut
        assert "cannot reach its database" in gate.error[0].value and gate.title[0].value == "This app is private"
    else:
        assert gate.title and "private" not in gate.title[0].value, "the right password opens the app"

    at = signed_in(page("Home.py", timeout=120))
    evidence.page("home", at.run())
    at.switch_page(CREATE_PAGE).run()
    at.text_area(key="prompt").set_value("a lantern on a quiet harbour").run()
    at.button(key="generate").click().run()
    evidence.page("create: generated", finish_runs(at))
    if scenario != "wrong_token":
        run_id = at.session_state["_runs"][0].id[:8]
        evidence.page("create: saved", at.button(key=f"save_{run_id}_0").click().run())
    evidence.page("history", at.switch_page(HISTORY_PAGE).run())
    evidence.page("status", at.switch_page(STATUS_PAGE).run())
    evidence.page("status: checked", at.button(key="run_checks").click().run())

    for script in (HOME_PAGE, CREATE_PAGE, HISTORY_PAGE, STATUS_PAGE):
        stranger = page(script, timeout=120).run()
        assert [e.value for e in stranger.title] == ["This app is private"], f"{script} opened without the password"
        evidence.page(f"{script} alone, before the password", stranger)
        alone = signed_in(page(script, timeout=120))
        evidence.page(f"{script} alone", alone.run())
        if script == STATUS_PAGE:
            evidence.page(f"{script} alone: checked", alone.button(key="run_checks").click().run())

    captured = capfd.readouterr()
    evidence.add("log records", every_log_line.text)
    evidence.add("stdout and stderr", captured.out + captured.err)
    leaks = evidence.leaks()
    assert not leaks, f"(where, secret) pairs seen: {leaks}"

    everything = "\n".join(evidence.seen.values())
    expected_failure = {
        "working": "X-Amz-Signature",  # History's presigned thumbnail URLs were among the searched text
        "wrong_token": "REPLICATE_API_TOKEN",
        "database_down": "Cannot reach PostgreSQL",
    }[scenario]
    assert expected_failure in everything, "the scenario really happened, so its text was searched"
    assert every_log_line.records, "log records were captured at DEBUG"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_command_line_output_never_contains_a_secret(
    scenario: str,
    secret_database: str,
    spaces_settings: SpacesSettings,
    fake_replicate: FakeReplicate,
    tiny_blip_dir: Path,
    real_whisper_transformers_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configure(scenario, monkeypatch, secret_database, spaces_settings, fake_replicate, tiny_blip_dir, tmp_path)
    monkeypatch.setenv("SPEECH_ENGINE", "transformers")  # the folder below is a transformers checkpoint
    monkeypatch.setenv("WHISPER_MODEL", str(real_whisper_transformers_dir))  # so `check` can pass when all is well
    outputs = {}
    for command in (["check"], ["create", "--prompt", "a lantern on a quiet harbour"]):
        finished = subprocess.run(
            [sys.executable, "-m", "core", *command],
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=180,
        )
        outputs[command[0]] = (finished.returncode, finished.stdout + finished.stderr)

    for name, (_, text) in outputs.items():
        assert [secret for secret in SECRETS if secret in text] == [], f"`python -m core {name}` printed a secret"
    check_code, create_code = outputs["check"][0], outputs["create"][0]
    if scenario == "working":
        assert check_code == 0 and create_code == 0 and '"image_url"' in outputs["create"][1]
    else:
        assert check_code != 0 and create_code != 0, "the failure really happened"
        assert "Traceback" not in outputs["create"][1]
