"""`python -m core` in-process on each database: history streams any --limit, every --add applies, clean names."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, insert

from core.cli.main import main
from core.db.repository import RecordRepository
from core.db.schema import ImageRecord
from core.domain.records import ImageRecordView, NewRecord

MORE_THAN_A_PAGE = 1_234  # the repository answers at most 1,000 rows a query


def kite(engine: Engine, **fields: object) -> ImageRecordView:
    record = NewRecord(prompt="a kite", image_filename="k.png", description="", idempotency_key="kite", **fields)  # type: ignore[arg-type]
    return RecordRepository(engine).add(record=record)[0]


def lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.fixture
def cli_database(database_url: str, migrated_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("DATABASE_URL", database_url)
    return migrated_engine


def test_history_lists_any_limit_and_everything_without_one(cli_database: Engine, capsys) -> None:
    with cli_database.begin() as connection:
        connection.execute(
            insert(ImageRecord),
            [
                {"prompt": f"p{n}", "image_filename": f"images/{n}.png", "description": ""}
                for n in range(MORE_THAN_A_PAGE)
            ],
        )

    assert main(["history", "--limit", "5000"]) == 0  # used to exit 2: "Page size must be between 1 and 1000"
    every = [record["id"] for record in lines(capsys.readouterr().out)]
    assert len(every) == len(set(every)) == MORE_THAN_A_PAGE
    assert every == sorted(every, reverse=True)

    assert main(["history"]) == 0
    assert [record["id"] for record in lines(capsys.readouterr().out)] == every
    assert main(["history", "--limit", "1001", "--offset", "7", "--oldest-first"]) == 0
    assert [record["id"] for record in lines(capsys.readouterr().out)] == sorted(every)[7:1008]


def test_repeated_add_and_remove_options_all_apply(cli_database: Engine, capsys) -> None:
    record_id = str(kite(cli_database).id)

    assert main(["tag", record_id, "--add", "a", "--add", "b", "c", "--add", "poster\u200b", "Poster"]) == 0
    assert lines(capsys.readouterr().out)[0]["tags"] == ["a", "b", "c", "poster"]
    assert main(["tag", record_id, "--remove", "a", "--remove", "c"]) == 0
    assert lines(capsys.readouterr().out)[0]["tags"] == ["b", "poster"]


def test_a_tag_of_only_invisible_characters_is_refused_by_name_and_nothing_changes(
    cli_database: Engine, capsys
) -> None:
    record = kite(cli_database)

    assert main(["tag", str(record.id), "--add", "red", "\u200b"]) == 2
    assert "\\u200b" in capsys.readouterr().err
    assert RecordRepository(cli_database).get(record_id=record.id).tags == ()  # type: ignore[union-attr]


def test_names_given_with_by_lose_control_and_format_characters(cli_database: Engine, capsys) -> None:
    saved = kite(cli_database, created_by="Ana\x1b\x07\u202e")

    assert saved.created_by == "Ana"
    assert main(["history", "--by", "Ana\u200b"]) == 0
    assert [record["id"] for record in lines(capsys.readouterr().out)] == [saved.id]


def test_a_by_of_only_invisible_characters_is_refused_not_read_as_anyone(cli_database: Engine, capsys) -> None:
    kite(cli_database, created_by="Ana")

    assert main(["history", "--by", "\u200b\x1b"]) == 2
    assert "names nobody" in capsys.readouterr().err
