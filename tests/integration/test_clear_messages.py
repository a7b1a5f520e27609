"""Hostile numbers, URLs and text get a clear message (exit 2 on the command line), never a driver failure."""

from __future__ import annotations

from datetime import date

import pytest

from core.config.settings import MAX_PRESIGNED_URL_TTL, load_settings
from core.db.repository import MAX_OFFSET
from core.domain.errors import InputError, InvalidSetting
from core.domain.records import HistoryQuery
from tests.integration.test_cli import run_cli
from tests.integration.test_repository import new_record


def test_nul_in_search_text_finds_the_words_around_it(repository):
    repository.add(record=new_record(prompt="a black cat on a wall"))
    found = repository.search(query=HistoryQuery(search="cat\x00"))
    assert [r.prompt for r in found.records] == ["a black cat on a wall"]
    assert repository.search(query=HistoryQuery(search="\x00")).total == 1


def test_the_last_possible_day_as_until_is_no_upper_bound(repository):
    repository.add(record=new_record())
    assert repository.search(query=HistoryQuery(until=date.max)).total == 1
    assert repository.search(query=HistoryQuery(since=date.min, until=date.max)).total == 1


def test_an_offset_beyond_any_history_is_refused_with_its_range(repository):
    with pytest.raises(InputError, match=f"at most {MAX_OFFSET:,}"):
        repository.search(query=HistoryQuery(offset=10**20))


@pytest.mark.parametrize(("args", "expected"), [(["--offset", "100000000000000000000"], "Offset must be at most")])
def test_history_with_overflowing_numbers_exits_2_with_a_clear_line(args, expected, database_url, tmp_path):
    # A huge --limit is fine: history streams every match (tests/integration/test_cli_inputs.py).
    result = run_cli("history", *args, env={"DATABASE_URL": database_url, "DATA_DIR": str(tmp_path)})
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr and result.stderr.count("\n") == 1 and "unexpected" not in result.stderr


def test_history_until_the_last_possible_day_lists_everything(database_url, tmp_path):
    result = run_cli("history", "--until", "9999-12-31", env={"DATABASE_URL": database_url, "DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("url", ["mysql://u:p@h/db", "mysql+pymysql://u@h/db", "oracle://h/db", "mssql://h/db"])
def test_an_unsupported_database_url_names_the_supported_ones(url, tmp_path):
    with pytest.raises(InvalidSetting, match=r"unsupported database.*postgresql://.*sqlite:///"):
        load_settings({"DATABASE_URL": url}, dotenv_path=None)
    result = run_cli("history", env={"DATABASE_URL": url, "DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "unsupported database" in result.stderr and "ModuleNotFoundError" not in result.stderr


@pytest.mark.parametrize(
    "url", ["postgresql+psycopg2://u@h/db", "postgresql+asyncpg://u@h/db", "sqlite+pysqlcipher:///x"]
)
def test_a_driver_the_app_does_not_ship_is_refused_naming_the_supported_urls(url, tmp_path):
    result = run_cli("history", env={"DATABASE_URL": url, "DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "does not come with this app" in result.stderr and "ModuleNotFoundError" not in result.stderr


def test_a_presigned_url_ttl_beyond_seven_days_is_refused_naming_the_maximum(tmp_path):
    assert load_settings({"PRESIGNED_URL_TTL": "604800"}, dotenv_path=None).presigned_url_ttl == MAX_PRESIGNED_URL_TTL
    with pytest.raises(InvalidSetting, match="at most 604800"):
        load_settings({"PRESIGNED_URL_TTL": "99999999"}, dotenv_path=None)
    result = run_cli("history", env={"PRESIGNED_URL_TTL": "99999999", "DATA_DIR": str(tmp_path)})
    assert result.returncode == 2 and "PRESIGNED_URL_TTL" in result.stderr


@pytest.mark.postgres
def test_history_page_searching_text_with_nul_on_postgresql_shows_no_database_failure(postgres_url, monkeypatch):
    from tests.app.conftest import page

    monkeypatch.setenv("DATABASE_URL", postgres_url)
    at = page("pages/history.py")
    at.query_params["q"] = "cat\x00"
    at.run()

    assert not at.exception
    assert not [e.value for e in at.error], [e.value for e in at.error]
    assert not [w.value for w in at.warning if "database" in w.value.lower()]
