"""Status in a real browser follows a `python -m core reindex` run by another process, with no click."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.app.test_history_page import seed_records
from tests.e2e.conftest import ROOT, app_environment, launched_browser, running_streamlit
from tests.e2e.test_browser import STEP_MS, assert_no_tracebacks, wait_until_idle
from tests.fixtures.embedding import required_minilm_folder

pytestmark = pytest.mark.e2e


def test_status_shows_the_waiting_records_then_the_reindex_another_process_ran(
    chromium_executable: str, artifacts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_MS)
    data_dir = tmp_path / "data"
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    seed_records([f"a paper boat number {n} on a pond" for n in range(4)])  # saved without search vectors
    env = app_environment({"EMBEDDING_MODEL": str(required_minilm_folder())}, data_dir)
    with (
        running_streamlit(env, tmp_path / "app", artifacts / "streamlit-status-reindex.log") as server,
        launched_browser(chromium_executable, None) as browser,
    ):
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        context.set_default_timeout(STEP_MS)
        page = context.new_page()
        main = page.get_by_test_id("stMain")
        try:
            page.goto(f"{server.url}/status")
            expect(main.get_by_role("heading", name="Status")).to_be_visible()
            wait_until_idle(page)
            expect(main.get_by_text("0 of 4 records")).to_be_visible()
            page.screenshot(path=str(artifacts / "status-reindex-1-waiting.png"))

            reindex = subprocess.run(
                [sys.executable, "-m", "core", "reindex", "--batch", "2"],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert reindex.returncode == 0, reindex.stderr

            # No click, no reload: the fragment reads the counts again by itself.
            expect(main.get_by_text("all 4 records have their vector")).to_be_visible()
            page.screenshot(path=str(artifacts / "status-reindex-2-done.png"))
        finally:
            context.close()
        assert_no_tracebacks(server)
