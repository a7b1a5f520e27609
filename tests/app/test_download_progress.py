"""Home shows a first start's model downloads as they happen: per model, bytes and percent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.app.conftest import ROOT
from tests.fixtures.fake_hub import FakeHub

# Home is rendered again and again (as its status fragment redraws each second) until the caption model is ready.
WATCH_HOME = """
import json, time
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({home!r}, default_timeout=60).run()
seen, deadline = [], time.monotonic() + 300
while time.monotonic() < deadline:
    seen.append(" ".join(c.value for c in at.caption))
    if "Caption model: ready" in seen[-1] or "could not load" in seen[-1]:
        break
    time.sleep(0.5)
    at.run()
print(json.dumps(seen))
"""


def test_home_shows_each_download_with_bytes_and_percent_until_the_model_is_ready(
    fake_hub: FakeHub, tiny_blip_dir: Path, real_whisper_ct2_dir: Path, tmp_path: Path
) -> None:
    fake_hub.serve("example-org/tiny-blip", tiny_blip_dir)
    fake_hub.chunk_delay_s = 1.0  # each file takes a second or more: long enough for Home to be seen mid-way
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    env |= {
        "HF_ENDPOINT": fake_hub.endpoint,
        "HF_HOME": str(tmp_path / "hf-home"),
        "PYTHONPATH": str(ROOT),
        "DATA_DIR": str(tmp_path / "data"),
        "PRELOAD_MODELS": "true",
        "SPEECH_ENGINE": "faster-whisper",
        "WHISPER_MODEL": str(real_whisper_ct2_dir),
        "CAPTION_MODEL": "example-org/tiny-blip",
        "MODEL_THREADS": "1",
    }
    script = WATCH_HOME.format(home=str(ROOT / "pages" / "home.py"))

    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=400
    )

    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert "Caption model: ready" in seen[-1], seen[-1]
    during = [line for line in seen if "⏬ downloading example-org/tiny-blip:" in line]
    assert during, seen
    assert all(" MB (" in line and "%)" in line and "Caption model: loading…" in line for line in during)
    assert "⏬" not in seen[-1]  # a finished download is no longer listed
