"""The server's OpenMP threads wait passively: the setting is made before any OpenMP library is loaded."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.models.runtime import passive_openmp_waits

ROOT = Path(__file__).resolve().parents[2]


def test_passive_waits_are_set_unless_the_operator_chose_a_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    passive_openmp_waits()
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    passive_openmp_waits()
    assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE"


def test_importing_the_served_app_loads_no_openmp_library_so_its_start_up_still_sets_the_policy() -> None:
    # libgomp reads OMP_WAIT_POLICY once, when it is loaded; app.py sets it in its lifespan, after the import.
    script = (
        "import app, pathlib\n"
        "maps = pathlib.Path('/proc/self/maps').read_text()\n"
        "print([name for name in ('libgomp', 'libiomp', 'libctranslate2', 'libtorch') if name in maps])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
