"""`python -m core history --meaning/--like` and `reindex` end to end: PostgreSQL, moto's S3, the fake Replicate,
the tiny BLIP and the real all-MiniLM-L6-v2. Saves embed on the way (or, with the model down, wait for reindex)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.fixtures.embedding import minilm_folder
from tests.integration.test_cli import ROOT, json_lines, production_env, run_cli

__all__ = ["production_env"]  # the fixture, shared with test_cli

PROMPTS = ("a small dog running along a sandy beach", "a red sports car in a neon city", "a bowl of ramen")


@pytest.fixture
def env(production_env, tiny_blip_dir, minilm_embedder) -> dict[str, str]:
    return {**production_env, "CAPTION_MODEL": str(tiny_blip_dir), "EMBEDDING_MODEL": str(minilm_folder())}


def create_all(env: dict[str, str]) -> list[int]:
    made = []
    for seed, prompt in enumerate(PROMPTS):
        result = run_cli("create", "--prompt", prompt, "--seed", str(seed), env=env)
        assert result.returncode == 0, result.stderr
        made.append(json_lines(result.stdout)[0]["id"])
    return made


def test_saved_records_are_found_by_meaning_with_a_score_and_like_leaves_itself_out(env):
    dog, car, ramen = create_all(env)
    found = json_lines(run_cli("history", "--meaning", "the puppy by the sea", env=env).stdout)
    assert found[0]["id"] == dog and all("score" in line for line in found)
    assert [line["score"] for line in found] == sorted((line["score"] for line in found), reverse=True)
    like = json_lines(run_cli("history", "--like", str(car), env=env).stdout)
    assert sorted(line["id"] for line in like) == [dog, ramen]
    reindex = run_cli("reindex", env=env)
    assert json.loads(reindex.stdout)["embedded"] == 0  # every save made its vector already


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("--meaning", "  "), "search by meaning is empty"),
        (("--meaning", "x" * 501), "at most 500"),
        (("--like", "999999"), "No saved image has id 999999"),
    ],
)
def test_bad_ranked_queries_exit_2_with_a_message(env, arguments, message):
    result = run_cli("history", *arguments, env=env)
    assert result.returncode == 2 and message in result.stderr


def test_a_save_while_the_model_is_down_is_kept_and_reindex_catches_up(env, tmp_path):
    down = {**env, "EMBEDDING_MODEL": str(tmp_path / "no-model-here")}
    made = create_all(down)
    assert len(made) == 3  # saved all the same
    broken = json.loads(run_cli("check", env=down).stdout)["embedding_model"]
    assert (broken["ok"], broken["loaded"], broken["waiting_for_reindex"]) == (False, False, 3)
    waiting = json.loads(run_cli("check", env=env).stdout)["embedding_model"]
    assert (waiting["runtime"], waiting["loaded"], waiting["waiting_for_reindex"]) == ("numpy", True, 3)
    assert "3 records wait for `python -m core reindex`" in waiting["detail"]
    reindex = run_cli("reindex", "--batch", "2", env=env)
    assert reindex.returncode == 0, reindex.stderr
    counts = json.loads(reindex.stdout)
    assert (counts["embedded"], counts["still_waiting"]) == (3, 0)
    assert "reindex: 2/3" in reindex.stderr and "reindex: 3/3" in reindex.stderr
    assert json.loads(run_cli("check", env=env).stdout)["embedding_model"]["waiting_for_reindex"] == 0
    assert json_lines(run_cli("history", "--meaning", "the puppy by the sea", env=env).stdout)[0]["id"] == made[0]


# Runs the command in this interpreter, then says on stderr which heavy libraries the process imported.
IMPORTED_PROBE = (
    "import sys; from core.cli.main import main; code = main(sys.argv[1:]); "
    "print('imported:', sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'transformers', "
    "'sentence_transformers'}), file=sys.stderr); sys.exit(code)"
)


def test_a_meaning_query_process_embeds_without_importing_torch(env):
    result = subprocess.run(
        [sys.executable, "-c", IMPORTED_PROBE, "history", "--meaning", "the puppy by the sea"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "imported: []" in result.stderr


def test_a_meaning_query_with_nothing_saved_lists_nothing_and_succeeds(env):
    result = run_cli("history", "--meaning", "the puppy by the sea", env=env)
    assert (result.returncode, result.stdout) == (0, ""), result.stderr
