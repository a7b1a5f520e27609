"""`bench load`'s light client: one agent-API session on `streamlit run app.py` makes an image and saves it.

The bench counts a session as done when the snapshot shows an image and "Saved as #N"; this checks that such a
session really left its row in the database, through the same script and gate a browser uses.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bench.load_clients import agent_level
from tests.e2e.conftest import app_environment, running_streamlit
from tests.fixtures.replicate_server import FakeReplicate

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def test_one_agent_api_session_clicks_do_it_all_and_its_image_is_saved_in_the_database(
    fake_replicate: FakeReplicate, tmp_path: Path, artifacts: Path
) -> None:
    env = app_environment(
        {
            "SPEECH_ENGINE": "replicate",
            "CAPTION_ENGINE": "replicate",
            "REPLICATE_API_TOKEN": fake_replicate.token,
            "REPLICATE_BASE_URL": fake_replicate.base_url,
        },
        tmp_path / "data",
    )
    migrated = subprocess.run([sys.executable, "-m", "core", "migrate"], cwd=ROOT, env=env, capture_output=True)
    assert migrated.returncode == 0, migrated.stderr
    log = artifacts / "streamlit-agent-client.log"
    with running_streamlit(env, tmp_path / "work", log, extra_args=["--server.enableAgentApi", "true"]) as server:
        (outcome,) = asyncio.run(agent_level(server.url, 1))

    assert isinstance(outcome, tuple), f"{outcome!r}\n{server.log_tail()}"
    to_image, to_saved = outcome
    assert 0 < to_image <= to_saved
    with sqlite3.connect(tmp_path / "data" / "app.db") as connection:
        rows = connection.execute("SELECT prompt FROM image_records").fetchall()
    assert rows == [("a lighthouse on a cliff at dusk, session 0",)]
