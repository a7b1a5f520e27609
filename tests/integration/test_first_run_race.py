"""First runs started together on a fresh SQLite folder all succeed: schema creation is serialised by a file lock."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.test_cli import ROOT

ROUNDS = 3  # each round is a fresh folder; unserialised, most rounds had a loser


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_four_migrates_started_together_on_a_fresh_folder_all_succeed(round_, tmp_path: Path):
    env = {**os.environ, "DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1"}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "core", "migrate"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outcomes = [(p.wait(timeout=120), p.communicate()[1]) for p in processes]

    assert [code for code, _ in outcomes] == [0, 0, 0, 0], [err for _, err in outcomes]
    assert (tmp_path / "data" / "app.db").is_file()
