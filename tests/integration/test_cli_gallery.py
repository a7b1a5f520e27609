"""`python -m core` team-gallery commands end to end on PostgreSQL, moto's S3 and the fake Replicate."""

from __future__ import annotations

import csv
import getpass
import io
import zipfile

import pytest

from tests.fixtures.s3 import s3_client
from tests.integration.test_cli import json_lines, production_env, run_cli

__all__ = ["production_env"]  # the fixture, shared with test_cli


@pytest.fixture
def env(production_env, tiny_blip_dir) -> dict[str, str]:
    return {**production_env, "CAPTION_MODEL": str(tiny_blip_dir)}


def create(env: dict[str, str], prompt: str, seed: int, *by: str) -> dict:
    result = run_cli("create", "--prompt", prompt, "--seed", str(seed), *by, env=env)
    assert result.returncode == 0, result.stderr
    return json_lines(result.stdout)[0]


def ids(result) -> list[int]:
    assert result.returncode == 0, result.stderr
    return [line["id"] for line in json_lines(result.stdout)]


def test_created_records_carry_star_tags_and_author_from_by_or_the_os_user(env):
    named = create(env, "a red kite", 1, "--by", "ana@example.com")
    anonymous = create(env, "a blue kite", 2)

    assert (named["starred"], named["tags"], named["created_by"]) == (False, [], "ana@example.com")
    assert anonymous["created_by"] == getpass.getuser()
    assert ids(run_cli("history", "--by", "ana@example.com", env=env)) == [named["id"]]


def test_star_tag_and_the_history_filters_that_find_them(env):
    kite = create(env, "a red kite", 1)["id"]
    boat = create(env, "a red boat", 2)["id"]
    tower = create(env, "a tall tower", 3)["id"]

    starred = run_cli("star", str(kite), str(tower), env=env)
    assert sorted(ids(starred)) == [kite, tower] and all(r["starred"] for r in json_lines(starred.stdout))
    assert ids(run_cli("star", str(tower), "--off", env=env)) == [tower]
    tagged = json_lines(run_cli("tag", str(kite), str(boat), "--add", "Red", "poster", env=env).stdout)
    assert [r["tags"] for r in tagged] == [["poster", "red"], ["poster", "red"]]
    run_cli("tag", str(boat), "--remove", "poster", env=env)

    assert ids(run_cli("history", "--starred", env=env)) == [kite]
    assert ids(run_cli("history", "--tag", "red", env=env)) == [boat, kite]
    assert ids(run_cli("history", "--tag", "red", "--tag", "poster", env=env)) == [kite]
    assert ids(run_cli("history", "--tag", "red", "--search", "boat", env=env)) == [boat]


def test_unknown_ids_and_missing_confirmation_change_nothing_and_exit_2(env):
    kite = create(env, "a red kite", 1)["id"]

    unknown = run_cli("star", str(kite), "999999", env=env)
    assert unknown.returncode == 2 and "999999" in unknown.stderr and "Traceback" not in unknown.stderr
    assert ids(run_cli("history", "--starred", env=env)) == []
    unconfirmed = run_cli("delete", str(kite), env=env)
    assert unconfirmed.returncode == 2 and "--yes" in unconfirmed.stderr
    neither = run_cli("tag", str(kite), env=env)
    assert neither.returncode == 2
    assert ids(run_cli("history", env=env)) == [kite]


def test_delete_removes_rows_images_and_thumbnails(env, spaces_settings):
    kite, boat = create(env, "a red kite", 1), create(env, "a red boat", 2)

    result = run_cli("delete", str(kite["id"]), "--yes", env=env)

    assert result.returncode == 0, result.stderr
    assert json_lines(result.stdout) == [{"deleted": [kite["id"]], "kept": [], "missing": []}]
    assert ids(run_cli("history", env=env)) == [boat["id"]]
    listing = s3_client(spaces_settings).list_objects_v2(Bucket=spaces_settings.bucket)
    assert {item["Key"] for item in listing["Contents"]} == {boat["image_filename"], boat["thumbnail_filename"]}


def test_export_zip_holds_the_filtered_images_and_records_csv(env, tmp_path):
    kite, boat = create(env, "a red kite", 1), create(env, "a red boat", 2)
    run_cli("tag", str(kite["id"]), "--add", "sky", env=env)
    target = tmp_path / "out.zip"

    result = run_cli("export", "--zip", str(target), "--tag", "sky", env=env)

    assert result.returncode == 0, result.stderr
    assert json_lines(result.stdout)[0] | {"zip": ""} == {"zip": "", "records": 1, "images": 1, "missing": []}
    with zipfile.ZipFile(target) as archive:
        assert sorted(archive.namelist()) == [f"image-{kite['id']}.webp", "records.csv"]
        rows = list(csv.DictReader(io.StringIO(archive.read("records.csv").decode())))
    assert [(int(r["id"]), r["tags"], r["file_in_zip"]) for r in rows] == [
        (kite["id"], "sky", f"image-{kite['id']}.webp")
    ]
    assert boat["id"] not in [int(r["id"]) for r in rows]
    bad = run_cli("export", "--zip", str(tmp_path / "no" / "such" / "x.zip"), env=env)
    assert bad.returncode == 2 and "does not exist" in bad.stderr


def test_export_zip_refuses_to_replace_an_existing_file_unless_forced(env, tmp_path):
    create(env, "a boat", 1)
    target = tmp_path / "kept.zip"
    target.write_bytes(b"someone's earlier export")

    refused = run_cli("export", "--zip", str(target), env=env)

    assert refused.returncode == 2 and "already exists: add --force" in refused.stderr
    assert target.read_bytes() == b"someone's earlier export"
    forced = run_cli("export", "--zip", str(target), "--force", env=env)
    assert forced.returncode == 0, forced.stderr
    assert zipfile.is_zipfile(target)
