"""The two kinds of client `bench load` drives app.py with: Chromium contexts, and agent-API sessions.

Both drive the same script (pages/create.py through app.py's gate) and click the same "Do it all" button;
each measures seconds from the click to the first image and to "Saved as #N".

- `browser`: one Playwright Chromium context per session. It uploads the committed clip (transcribed on
  arrival) and clicks; the page's results fragment then reruns every 0.5 s, as for any visitor. Realistic,
  but 20 tabs cost the 2 cores more than the server does.
- `agent`: one session of Streamlit's agent API (`server.enableAgentApi`, POST /_stcore/agent/interact)
  per session, all on one asyncio loop with one HTTP client. It types the prompt and fires the button in
  one request (the API cannot upload), then asks for a rerun every 0.5 s from the click, as the browser's
  fragment timer does, until the tree holds an image and "Saved as #N". Each of those reruns is a full
  script run (the API reruns a fragment only for writes to widgets inside it), so the server does more
  work per poll than for a browser: a light client, not a lighter load.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT / "tests" / "fixtures" / "audio" / "house_16k_mono.wav"
STEP_S = 300.0
POLL_S = 0.5  # ui/create/results.py's POLL_S: how often a browser's results fragment reruns
RUN_ALL = "run_all"  # pages/create.py's "Do it all" button
PROMPT = "prompt"  # ui/create/state.py's PROMPT text area
SAVED = re.compile(r"Saved as #\d+")
INTERACT = "/_stcore/agent/interact"

# Seconds from the click to the first image and to "Saved as #N".
Timing = tuple[float, float]
Outcome = Timing | BaseException


async def browser_level(url: str, sessions: int) -> list[Outcome]:
    """`sessions` Chromium contexts, opened first, then all clicking "Do it all" at once."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"],
        )
        try:
            # Open every session first, so the creates (not page loads) are what happens at once.
            pages = await asyncio.gather(*(_open_page(browser, url) for _ in range(sessions)))
            return await asyncio.gather(*(_browser_create(page) for page in pages), return_exceptions=True)
        finally:
            await browser.close()


async def _open_page(browser: Any, url: str) -> Any:
    from playwright.async_api import expect

    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.set_default_timeout(STEP_S * 1000)
    await page.goto(f"{url}/create")
    await page.get_by_role("tab", name=re.compile("Upload")).click()
    await expect(page.locator("input[type=file]")).to_be_attached(timeout=STEP_S * 1000)
    return page


# Timed inside the page, so Playwright's own polling (100-1000 ms between checks) adds nothing: the click as
# the page receives it, then the first st.image and the first "Saved as #N" as they enter the DOM.
IMAGE = '[data-testid^="stImage"] img'


def watch_after_click(marks: str) -> str:
    """A script for page.evaluate: from the first click on, `marks` (JavaScript) runs on every change to the page
    and sets `marks.<name> ??= now()`; the results are read back from window.__benchMarks."""
    return (
        """() => {
  const marks = (window.__benchMarks = {});
  const now = () => performance.now();
  document.addEventListener("click", () => { marks.clicked ??= now(); }, true);
  new MutationObserver(() => {
    if (marks.clicked === undefined) return;
MARKS
  }).observe(document.body, { childList: true, subtree: true, characterData: true });
}"""
    ).replace("MARKS", marks)


WATCH = watch_after_click(
    f"""    if (document.querySelector('{IMAGE}')) marks.image ??= now();
    if (/Saved as #\\d+/.test(document.body.textContent || "")) marks.saved ??= now();"""
)


async def _browser_create(page: Any) -> Timing:
    """Upload, wait for the transcript, click "Do it all"; then wait for an image and for "Saved as #N"."""
    from playwright.async_api import expect

    await page.locator("input[type=file]").set_input_files(str(CLIP))
    await expect(page.get_by_role("textbox", name="Prompt")).not_to_have_value("", timeout=STEP_S * 1000)
    await page.evaluate(WATCH)
    await page.get_by_role("button", name=re.compile("Do it all")).click()
    await expect(page.get_by_text(SAVED)).to_be_visible(timeout=STEP_S * 1000)
    # The <img> can enter the DOM after the text (20-30 ms later here): wait for both before reading the marks.
    await expect(page.locator(IMAGE).first).to_be_visible(timeout=STEP_S * 1000)
    marks = await page.evaluate("() => window.__benchMarks")
    return (marks["image"] - marks["clicked"]) / 1000, (marks["saved"] - marks["clicked"]) / 1000


async def agent_level(url: str, sessions: int) -> list[Outcome]:
    """`sessions` agent-API sessions on Create, opened first, then all clicking "Do it all" at once."""
    import httpx

    limits = httpx.Limits(max_connections=sessions + 5, max_keepalive_connections=sessions + 5)
    async with httpx.AsyncClient(base_url=url, timeout=STEP_S, limits=limits) as client:
        agents = [AgentSession(client) for _ in range(sessions)]
        await asyncio.gather(*(agent.open("create") for agent in agents))
        creates = (agent.create(f"a lighthouse on a cliff at dusk, session {n}") for n, agent in enumerate(agents))
        return await asyncio.gather(*creates, return_exceptions=True)


class AgentSession:
    """One session of Streamlit's agent API: what a browser tab is to the websocket, over plain HTTP."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.session_id: str | None = None
        self.snapshot: dict[str, Any] = {}

    async def interact(self, **request: Any) -> dict[str, Any]:
        if self.session_id is not None:
            request["session_id"] = self.session_id
        response = await self.client.post(INTERACT, json=request)
        body: dict[str, Any] = response.json()
        if response.status_code != 200:
            raise RuntimeError(f"agent API {response.status_code}: {body.get('error', body)}")
        if body.get("status") == "error":
            raise RuntimeError(f"the app raised: {exception_text(body)}")
        self.session_id, self.snapshot = body["session_id"], body
        return body

    async def open(self, page: str) -> None:
        await self.interact(page=page)

    async def create(self, prompt: str) -> Timing:
        """Type `prompt` and click "Do it all" in one request; poll as the browser does until it is saved."""
        clicked = time.perf_counter()
        await self.interact(widget_state={PROMPT: prompt}, trigger={"key": RUN_ALL})
        imaged: float | None = None
        tick = clicked
        while True:
            if imaged is None and any(node.get("type") == "image" for node in self.nodes()):
                imaged = time.perf_counter()
            if imaged is not None and self.saved():
                return imaged - clicked, time.perf_counter() - clicked
            problem = self.failure()
            if problem:
                raise RuntimeError(problem)
            if time.perf_counter() - clicked > STEP_S:
                raise TimeoutError(f"not saved within {STEP_S:.0f} s")
            # Polls start every POLL_S from the click, like the browser's fragment timer (setInterval).
            tick += POLL_S
            await asyncio.sleep(max(0.0, tick - time.perf_counter()))
            await self.interact()

    def nodes(self) -> Iterator[dict[str, Any]]:
        return walk(self.snapshot.get("tree", {}))

    def saved(self) -> bool:
        return any(node.get("type") == "success" and SAVED.search(body_of(node)) for node in self.nodes())

    def failure(self) -> str:
        """The text of an error element in the results, as a person would read it."""
        return next((body_of(node) for node in self.nodes() if node.get("type") == "error"), "")


def walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("children") or ():
        yield from walk(child)


def body_of(node: dict[str, Any]) -> str:
    return str((node.get("props") or {}).get("body", ""))


def exception_text(snapshot: dict[str, Any]) -> str:
    found = next((node for node in walk(snapshot.get("tree", {})) if node.get("type") == "exception"), None)
    return str((found or {}).get("props", {}).get("message", "unknown exception"))[:200]


CLIENTS: dict[str, Callable[[str, int], Coroutine[Any, Any, list[Outcome]]]] = {
    "browser": browser_level,
    "agent": agent_level,
}
