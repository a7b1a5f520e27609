"""A process imports only the model libraries of the engines it uses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_faster_whisper_process_imports_neither_transformers_nor_torch(real_whisper_ct2_dir: Path) -> None:
    script = (
        "import json, sys\n"
        "from core.speech.whisper import FasterWhisperTranscriber\n"
        f"FasterWhisperTranscriber.load({str(real_whisper_ct2_dir)!r}, device='cpu', threads=1)\n"
        "print(json.dumps(sorted(m for m in ('transformers', 'torch') if m in sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )

    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
