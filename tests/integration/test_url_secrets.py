"""Credentials anywhere in DATABASE_URL (the password, or ?password= and ?sslpassword= in its query) never show."""

from __future__ import annotations

import logging

import pytest

from core.config.database_url import mask_database_url
from core.config.settings import load_settings
from tests.app.conftest import page, signed_in
from tests.app.test_home_page import all_text
from tests.fixtures.cli import run_cli_process

QUERY_URL = "postgresql://u@127.0.0.1:1/db?password=s3cret-in-query&sslpassword=x&sslmode=disable"
SHOWN_AS = "postgresql+psycopg://u@127.0.0.1:1/db?password=***&sslmode=disable&sslpassword=***"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (QUERY_URL, SHOWN_AS),
        (
            "postgresql+psycopg://u:pw-in-userinfo@h/db?application_name=demo",
            "postgresql+psycopg://u:***@h/db?application_name=demo",
        ),
        (
            "postgresql+psycopg://u@h/db?PGPASSWORD=a&auth_token=b&sslkey=/k",
            "postgresql+psycopg://u@h/db?PGPASSWORD=***&auth_token=***&sslkey=***",
        ),
    ],
)
def test_the_database_description_masks_every_credential(url, shown):
    after_scheme = shown.split("//", 1)[1]
    assert mask_database_url(url).split("//", 1)[1] == after_scheme
    assert load_settings({"DATABASE_URL": url}, dotenv_path=None).database_description().endswith(after_scheme)


def test_query_string_credentials_are_secrets_that_logs_mask(caplog):
    from core.config.redaction import install_log_redaction

    settings = load_settings({"DATABASE_URL": QUERY_URL}, dotenv_path=None)
    install_log_redaction(settings.secret_values)
    with caplog.at_level(logging.INFO):
        logging.getLogger("anything").warning("connecting with %s", "password=s3cret-in-query")
    assert "s3cret-in-query" not in caplog.text and "password=********" in caplog.text


def test_check_never_prints_a_query_string_password():
    result = run_cli_process("check", env={"DATABASE_URL": QUERY_URL, "HF_HUB_OFFLINE": "1"}, timeout=120)

    assert "s3cret-in-query" not in result.stdout + result.stderr
    assert "sslpassword=x" not in result.stdout + result.stderr
    assert "sslpassword=***" in result.stdout


def test_home_never_shows_a_query_string_password(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", QUERY_URL)

    at = signed_in(page("pages/home.py")).run()

    shown = all_text(at._tree).replace("\\", "")  # markdown escapes the mask's stars
    assert not at.exception and "password=***" in shown
    assert "s3cret-in-query" not in shown and "sslpassword=x" not in shown
