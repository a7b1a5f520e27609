"""Drafts from the command line, in real processes against the fake Replicate (remote captions).

A `create` killed with SIGKILL after FLUX answered leaves a draft that `drafts --save` turns into its
record; an `edit` whose source is deleted while the edit model works is saved as a first image.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fixtures.replicate_server import Scenario
from tests.integration.test_cli import ROOT, json_lines, run_cli


@pytest.fixture
def env(fake_replicate, database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "DATA_DIR": str(tmp_path / "data"),
        "REPLICATE_API_TOKEN": fake_replicate.token,
        "REPLICATE_BASE_URL": fake_replicate.base_url,
        "CAPTION_ENGINE": "replicate",
        "SPEECH_ENGINE": "replicate",
        "PRELOAD_MODELS": "false",
    }


def start_cli(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "core", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def predictions_of(fake_replicate, model_part: str) -> list:
    return [p for p in list(fake_replicate.predictions.values()) if model_part in p.model]


def test_a_create_killed_while_captioning_leaves_a_draft_that_drafts_save_turns_into_its_record(env, fake_replicate):
    fake_replicate.queue("ok", "slow")  # FLUX answers; the caption never does
    process = start_cli("create", "--prompt", "a paid lighthouse", "--seed", "11", "--by", "ada", env=env)
    try:
        wait_for(lambda: len(fake_replicate.predictions) == 2, "the caption prediction (FLUX has answered)")
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    listed = run_cli("drafts", env=env)
    assert listed.returncode == 0, listed.stderr
    [draft] = json_lines(listed.stdout)
    assert (draft["prompt"], draft["seed"], draft["created_by"], draft["description"]) == (
        "a paid lighthouse",
        11,
        "ada",
        None,
    )
    assert draft["image_model"] == "black-forest-labs/flux-schnell" and "generate" in draft["timings_ms"]
    [paid] = predictions_of(fake_replicate, "flux-schnell")
    assert draft["prediction_id"] == paid.id  # what was paid for, to find on replicate.com
    assert json_lines(run_cli("history", env=env).stdout) == []  # a draft is no record

    saved = run_cli("drafts", "--save", str(draft["id"]), env=env)
    assert saved.returncode == 0, saved.stderr
    [record] = json_lines(saved.stdout)
    assert record["description"] and record["seed"] == 11 and record["image_filename"] == draft["image_filename"]
    assert record["timings_ms"]["generate"] == draft["timings_ms"]["generate"]
    assert record["prediction_id"] == paid.id
    assert json_lines(run_cli("drafts", env=env).stdout) == []
    [listed_record] = json_lines(run_cli("history", env=env).stdout)
    assert listed_record["id"] == record["id"]

    again = run_cli("drafts", "--discard", str(draft["id"]), env=env)
    assert again.returncode == 2 and f"#{draft['id']}" in again.stderr


def test_an_edit_whose_source_is_deleted_meanwhile_is_saved_as_a_first_image(env, fake_replicate):
    created = run_cli("create", "--prompt", "a lighthouse", "--seed", "3", env=env)
    assert created.returncode == 0, created.stderr
    [parent] = json_lines(created.stdout)
    fake_replicate.queue(Scenario("processing_then_ok", polls=10**6))  # the edit model works until told

    process = start_cli("edit", str(parent["id"]), "--instruction", "make it night", env=env)
    try:
        wait_for(lambda: predictions_of(fake_replicate, "kontext"), "the edit prediction")
        deleted = run_cli("delete", str(parent["id"]), "--yes", env=env)
        assert deleted.returncode == 0, deleted.stderr
        [edit] = predictions_of(fake_replicate, "kontext")
        edit.scenario = Scenario("processing_then_ok", polls=0)  # the next poll finishes it
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    [child] = json_lines(stdout)
    assert child["parent_id"] is None and child["edit_instruction"] == "make it night"
    assert [r["id"] for r in json_lines(run_cli("history", env=env).stdout)] == [child["id"]]
