"""Prompts, captions and tags are shown as text: no markdown link, image or colour reaches the browser.

A loopback server stands in for a tracking host: every URL in the hostile text points at it, and the
browser must never fetch from it, nor show a link to it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.app.test_history_page import seed_records
from tests.e2e.conftest import app_environment, launched_browser, running_streamlit
from tests.e2e.test_browser import MODEL_STEP_MS, STEP_MS, assert_no_tracebacks, wait_until_idle
from tests.fixtures.replicate_server import FakeReplicate

pytestmark = pytest.mark.e2e


class _Counter(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self.server.paths.append(self.path)  # type: ignore[attr-defined]  # set on the server below
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def tracking_host() -> Iterator[tuple[str, list[str]]]:
    """A loopback 'tracking pixel' host: its base URL and the paths the browser asked it for."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    server.paths = []  # type: ignore[attr-defined]  # what the handler records into
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.paths  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


def hostile(base: str, where: str) -> str:
    return f"**bold{where}** [click me]({base}/link-{where}) ![t]({base}/pixel-{where}.png) :red[red{where}]"


def assert_shown_as_text(page: Any, base: str, word: str) -> None:
    """`**bold<word>**` appears literally, and nothing on the page links to or loads from the tracking host."""
    from playwright.sync_api import expect

    expect(page.get_by_text(f"**bold{word}**").first).to_be_visible()
    links = page.locator(f'a[href^="{base}"]')
    assert links.count() == 0, [links.nth(n).evaluate("a => a.parentElement.outerHTML") for n in range(links.count())]
    assert page.locator(f'img[src^="{base}"]').count() == 0


@pytest.mark.slow
def test_hostile_prompts_captions_and_tags_render_as_text_and_fetch_nothing(
    chromium_executable: str,
    artifacts: Path,
    fake_replicate: FakeReplicate,
    tracking_host: tuple[str, list[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from playwright.sync_api import expect

    base, fetched = tracking_host
    data_dir = tmp_path / "data"
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    (record,) = seed_records([hostile(base, "saved")])
    env = app_environment(
        {
            "REPLICATE_API_TOKEN": fake_replicate.token,
            "REPLICATE_BASE_URL": fake_replicate.base_url,
            "SPEECH_ENGINE": "replicate",
            "CAPTION_ENGINE": "replicate",
        },
        data_dir,
    )
    with (
        running_streamlit(env, tmp_path / "app", artifacts / "streamlit-user-text.log") as server,
        launched_browser(chromium_executable, None) as browser,
    ):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(STEP_MS)
        try:
            # History: the gallery card (caption), the detail (prompt, caption) and a hostile tag's message.
            page.goto(f"{server.url}/history?view=gallery")
            wait_until_idle(page)
            page.locator(f".st-key-history_open_{record.id} button").click()
            dialog = page.get_by_role("dialog")
            expect(dialog.get_by_role("heading", name=f"Image #{record.id}")).to_be_visible()
            dialog.get_by_role("button", name="Tag").click()  # the toolbar's Tag opens a popover (drawn outside)
            page.get_by_role("textbox", name="Tags").fill(f"[t]({base}/tag)")
            page.get_by_role("button", name="Add", exact=True).click()
            expect(page.get_by_text("Tagged 1 image with [t](http:").first).to_be_visible()
            wait_until_idle(page)
            assert_shown_as_text(page, base, "saved")
            page.screenshot(path=str(artifacts / "user-text-history.png"), full_page=True)
            page.keyboard.press("Escape")

            # Create: the results' "Prompt:" line, then the same run under "Earlier, not saved".
            page.goto(f"{server.url}/create")
            prompt = page.get_by_role("textbox", name="Prompt")
            prompt.fill(hostile(base, "typed"))
            prompt.press("Control+Enter")
            wait_until_idle(page)
            generate = page.get_by_role("button", name="Generate", exact=True)
            for _ in range(2):
                expect(generate).to_be_enabled(timeout=MODEL_STEP_MS)
                generate.click()
                expect(page.get_by_text("Done in").first).to_be_visible(timeout=MODEL_STEP_MS)
                wait_until_idle(page)
            expect(page.get_by_text("Earlier, not saved").first).to_be_visible()
            assert page.get_by_text("**boldtyped**").count() >= 2  # the prompt line and the expander label
            assert_shown_as_text(page, base, "typed")
            page.screenshot(path=str(artifacts / "user-text-create.png"), full_page=True)
        finally:
            page.close()
        assert_no_tracebacks(server)
    assert fetched == [], f"the browser fetched {fetched} from the tracking host"
