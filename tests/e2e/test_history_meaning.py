"""History in a real browser: a search by meaning, and More like this on a card (the real all-MiniLM-L6-v2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.app import meaning
from core.app.services import build_services
from core.config.settings import load_settings
from core.domain.ports import Embedder
from tests.app.test_history_page import seed_records
from tests.e2e.conftest import app_environment, launched_browser, running_streamlit
from tests.e2e.test_browser import STEP_MS, assert_no_tracebacks, wait_until_idle
from tests.fixtures.embedding import minilm_folder

pytestmark = pytest.mark.e2e


def test_by_meaning_finds_the_dog_and_more_like_this_lists_the_others(
    chromium_executable: str,
    artifacts: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    minilm_embedder: Embedder,
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_MS)
    data_dir = tmp_path / "data"
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    monkeypatch.setenv("EMBEDDING_MODEL", str(minilm_folder()))
    dog, car, train = seed_records(
        ["a small dog running along a sandy beach", "a red sports car in a neon city", "an old steam locomotive"]
    )
    current = build_services(load_settings(), embedder=lambda: minilm_embedder)
    list(meaning.reindex(current.vectors, minilm_embedder))
    current.database.dispose()
    env = app_environment({}, data_dir)
    with (
        running_streamlit(env, tmp_path / "app", artifacts / "streamlit-history-meaning.log") as server,
        launched_browser(chromium_executable, None) as browser,
    ):
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(STEP_MS)
        page = context.new_page()
        main = page.get_by_test_id("stMain")
        try:
            page.goto(f"{server.url}/history?view=gallery")
            expect(main.get_by_role("heading", name="History")).to_be_visible()
            wait_until_idle(page)
            search = main.get_by_label("Search")
            search.fill("the puppy by the sea")
            search.press("Enter")
            expect(page.locator(f".st-key-history_open_{dog.id}")).to_have_count(0)  # the words find nothing
            page.locator(".st-key-history_meaning label").click()
            expect(page.locator(f".st-key-history_open_{dog.id}")).to_be_visible()
            page.screenshot(path=str(artifacts / "history-meaning-1-search.png"))

            page.locator(f".st-key-history_like_{train.id} button").click()
            expect(main.get_by_text(f"Pictures most like #{train.id}")).to_be_visible()
            expect(page.locator(f".st-key-history_open_{train.id}")).to_have_count(0)  # itself left out
            expect(page.locator(f".st-key-history_open_{car.id}")).to_be_visible()
            page.screenshot(path=str(artifacts / "history-meaning-2-like.png"))
        finally:
            context.close()
        assert_no_tracebacks(server)
