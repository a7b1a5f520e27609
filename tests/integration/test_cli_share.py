"""`python -m core share`: make a link (absolute, from APP_URL), list live links with views, revoke one."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.app.services import build_services
from core.config.settings import load_settings
from core.domain.records import NewRecord
from tests.integration.test_cli import json_lines, run_cli

APP_URL = "https://images.example.com"


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "DATA_DIR": str(tmp_path / "data"), "APP_URL": APP_URL}


def saved_ids(env: dict[str, str], *prompts: str) -> list[int]:
    current = build_services(load_settings(env, dotenv_path=None))
    try:
        records = [
            NewRecord(prompt=p, image_filename=f"images/{p}.png", description=p, idempotency_key=f"cli-share-{p}")
            for p in prompts
        ]
        return [current.records.add(record=record)[0].id for record in records]
    finally:
        current.database.dispose()


def test_share_prints_an_absolute_link_that_list_shows_and_revoke_ends(env: dict[str, str]) -> None:
    kite, boat = saved_ids(env, "kite", "boat")

    made = run_cli("share", str(kite), str(boat), "--expires", "12h", "--by", "ana", env=env)
    assert made.returncode == 0, made.stderr
    (link,) = json_lines(made.stdout)
    assert link["url"] == f"{APP_URL}/s/{link['token']}" and link["ids"] == [kite, boat]
    assert {"expires_at", "token"} <= set(link)

    listed = json_lines(run_cli("share", "--list", env=env).stdout)
    assert [(row["ids"], row["views"], row["created_by"]) for row in listed] == [([kite, boat], 0, "ana")]
    assert "token" not in listed[0]  # the database keeps only its digest
    assert json_lines(run_cli("share", "--list", str(boat), env=env).stdout)[0]["ids"] == [kite, boat]

    revoked = run_cli("share", "--revoke", link["url"], env=env)
    assert revoked.returncode == 0, revoked.stderr
    assert run_cli("share", "--list", env=env).stdout.strip() == ""
    again = run_cli("share", "--revoke", link["token"], env=env)
    assert again.returncode == 2 and "No live share link" in again.stderr


def test_share_refuses_without_app_url_unknown_ids_and_bad_expiry_with_exit_2(env: dict[str, str]) -> None:
    (kite,) = saved_ids(env, "kite")

    no_address = run_cli("share", str(kite), env={**env, "APP_URL": ""})
    assert no_address.returncode == 2 and "set APP_URL" in no_address.stderr
    unknown = run_cli("share", str(kite), "424242", env=env)
    assert unknown.returncode == 2 and "424242" in unknown.stderr
    for bad in ("x7", "٣"):  # not a number; digits, but not ASCII ones
        result = run_cli("share", bad, env=env)
        assert result.returncode == 2 and bad in result.stderr
    too_many = run_cli("share", str(kite), "101", "102", "103", "104", env=env)
    assert too_many.returncode == 2 and "1 to 4 images" in too_many.stderr
    for expiry in ("91d", "0h", "soon"):
        result = run_cli("share", str(kite), "--expires", expiry, env=env)
        assert result.returncode == 2 and expiry in result.stderr
    assert run_cli("share", "--list", env=env).stdout.strip() == ""
