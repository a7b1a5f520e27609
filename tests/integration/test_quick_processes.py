"""A process imports only the model libraries of the engines it uses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOUSE = ROOT / "tests" / "fixtures" / "audio" / "house_16k_mono.wav"
MODEL_LIBRARIES = ("torch", "transformers", "ctranslate2", "faster_whisper")


def libraries_after_transcribing(env: dict[str, str], cwd: Path) -> list[str]:
    """Run `python -m core transcribe` through its real entry point in a fresh interpreter; list what it imported."""
    script = (
        "import json, sys\n"
        "from core.cli.main import main\n"
        f"assert main(['transcribe', {str(HOUSE)!r}]) == 0\n"
        f"print(json.dumps(sorted(m for m in {MODEL_LIBRARIES!r} if m in sys.modules)))\n"
    )
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "DATA_DIR": str(cwd / "data"), **env}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def test_a_default_transcribe_process_uses_faster_whisper_and_imports_neither_transformers_nor_torch(
    real_whisper_ct2_dir: Path, tmp_path: Path
) -> None:
    # No SPEECH_ENGINE: the default engine is the one measured.
    imported = libraries_after_transcribing({"WHISPER_MODEL": str(real_whisper_ct2_dir)}, tmp_path)

    assert imported == ["ctranslate2", "faster_whisper"]


@pytest.mark.slow
def test_a_transformers_transcribe_process_imports_no_ctranslate2(
    real_whisper_transformers_dir: Path, tmp_path: Path
) -> None:
    env = {"SPEECH_ENGINE": "transformers", "WHISPER_MODEL": str(real_whisper_transformers_dir)}

    assert libraries_after_transcribing(env, tmp_path) == ["torch", "transformers"]


def test_the_command_line_imports_no_database_or_model_library_before_a_command_runs() -> None:
    # What every `python -m core` pays before it starts: the parser, settings and the commands' own modules.
    heavy = (*MODEL_LIBRARIES, "sqlalchemy", "boto3", "PIL", "replicate", "alembic")
    code = f"import sys, core.cli.main; print([m for m in {heavy!r} if m in sys.modules])"

    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)

    assert done.stdout.strip() == "[]"


def test_the_served_app_starts_without_pandas_or_model_libraries() -> None:
    # Until /_stcore/health answers, the server only imports; pandas alone took 0.2 s of that (History loads it).
    code = f"import sys, app; print([m for m in {(*MODEL_LIBRARIES, 'pandas')!r} if m in sys.modules])"

    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)

    assert done.stdout.strip() == "[]"
