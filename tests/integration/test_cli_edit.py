"""`python -m core edit` and `history --family` in a real process, against the fake Replicate (remote captions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.test_cli import json_lines, run_cli


@pytest.fixture
def env(fake_replicate, tmp_path: Path) -> dict[str, str]:
    return {
        "DATA_DIR": str(tmp_path / "data"),
        "REPLICATE_API_TOKEN": fake_replicate.token,
        "REPLICATE_BASE_URL": fake_replicate.base_url,
        "CAPTION_ENGINE": "replicate",
        "SPEECH_ENGINE": "replicate",
        "PRELOAD_MODELS": "false",
    }


def test_edit_prints_the_child_record_and_history_lists_the_family(env, fake_replicate) -> None:
    created = run_cli("create", "--prompt", "a lighthouse", "--seed", "3", env=env)
    assert created.returncode == 0, created.stderr
    [parent] = json_lines(created.stdout)

    edited = run_cli("edit", str(parent["id"]), "--instruction", "make it night", "--seed", "4", env=env)
    assert edited.returncode == 0, edited.stderr
    [child] = json_lines(edited.stdout)
    assert (child["parent_id"], child["edit_instruction"], child["seed"]) == (parent["id"], "make it night", 4)
    assert child["image_model"] == "black-forest-labs/flux-kontext-pro"

    family = run_cli("history", "--family", str(child["id"]), env=env)
    assert family.returncode == 0, family.stderr
    assert sorted(r["id"] for r in json_lines(family.stdout)) == [parent["id"], child["id"]]


def test_unknown_id_empty_instruction_and_missing_token_exit_2_and_pay_nothing(env, fake_replicate) -> None:
    created = run_cli("create", "--prompt", "a lighthouse", env=env)
    [parent] = json_lines(created.stdout)
    paid = len(fake_replicate.created)
    for args, extra in (
        (["edit", "4242", "--instruction", "make it night"], {}),
        (["edit", str(parent["id"]), "--instruction", "   "], {}),
        (["edit", str(parent["id"]), "--instruction", "make it night"], {"REPLICATE_API_TOKEN": ""}),
    ):
        result = run_cli(*args, env={**env, **extra})
        assert result.returncode == 2, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert len(fake_replicate.created) == paid


def test_a_refused_edit_exits_1_with_one_line(env, fake_replicate) -> None:
    [parent] = json_lines(run_cli("create", "--prompt", "a lighthouse", env=env).stdout)
    fake_replicate.queue("nsfw")
    result = run_cli("edit", str(parent["id"]), "--instruction", "make it night", env=env)
    assert result.returncode == 1
    assert "safety filter" in result.stderr and len(result.stderr.strip().splitlines()) == 1
