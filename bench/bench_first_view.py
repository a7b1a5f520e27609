"""First page view and reruns in a real browser: `streamlit run app.py` on its embedded defaults, Chromium.

"Start to first Create page" is what `make run` costs a person once the virtual environment exists: from
starting the server process to the Create page drawn (its script run finished) in a browser that is
already open. Reruns are a typed prompt committed on Create, and a view switch on History (30 records).
Run from the repository root: `python -m bench first_view` (or `python -m bench.bench_first_view`).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RERUNS = 10
STARTS = 5  # server starts, each measured to its first Create page
RECORDS = 30
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
TIMEOUT_MS = 120_000


def run() -> list[dict[str, Any]]:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.e2e.conftest import app_environment, launched_browser, running_streamlit

    with tempfile.TemporaryDirectory() as folder, launched_browser("/usr/bin/chromium", None) as browser:
        data_dir = Path(folder) / "data"
        _seed(data_dir, RECORDS)
        # Models would load in the background either way; the page does not wait for them.
        env = app_environment({"PRELOAD_MODELS": "false"}, data_dir)
        starts: list[dict[str, float]] = []
        for attempt in range(STARTS):
            page = browser.new_page(viewport={"width": 1400, "height": 1000})  # a new page: nothing cached
            started = time.perf_counter()
            with running_streamlit(env, Path(folder) / f"app{attempt}", Path(folder) / "streamlit.log") as server:
                healthy_ms = _ms(started)
                page.goto(f"{server.url}/create")
                page.get_by_role("heading", name="Create").wait_for(timeout=TIMEOUT_MS)
                page.locator(IDLE).wait_for(timeout=TIMEOUT_MS)
                starts.append({"health": healthy_ms, "first": _ms(started), **page.evaluate(PHASES)})
                if attempt < STARTS - 1:
                    page.close()
                    continue
                later = [_fresh_view(browser, f"{server.url}/create") for _ in range(RERUNS)]
                create = _create_reruns(page)
                page.goto(f"{server.url}/history?view=table")
                page.locator(IDLE).wait_for(timeout=TIMEOUT_MS)
                history = _history_reruns(page)
    return [
        _row("start to health check answering (server process up)", [s["health"] for s in starts]),
        _row("start to first Create page drawn in the browser", [s["first"] for s in starts]),
        _row("  of which: the page's HTML answered (navigation start to response end)", [s["html"] for s in starts]),
        _row("  of which: Streamlit's front end loaded (to the load event)", [s["front_end"] for s in starts]),
        _row("  of which: websocket, script run and drawing (load event to idle)", [s["session"] for s in starts]),
        _row("a later new session's first Create page (same server, new browser context)", later),
        _row("Create rerun: a typed prompt committed", create),
        _row(f"History rerun: switch table/gallery ({RECORDS} records)", history),
    ]


# Navigation timing of the first view: where the time between `goto` and the page drawn went, in the page's clock.
PHASES = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const session = performance.now() - nav.loadEventEnd;
  return { html: nav.responseEnd, front_end: nav.loadEventEnd - nav.responseEnd, session };
}"""


def _fresh_view(browser: Any, url: str) -> float:
    """A new browser context (no cache, a new Streamlit session) opening Create, to the page idle."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        started = time.perf_counter()
        page.goto(url)
        page.get_by_role("heading", name="Create").wait_for(timeout=TIMEOUT_MS)
        page.locator(IDLE).wait_for(timeout=TIMEOUT_MS)
        return _ms(started)
    finally:
        context.close()


def _create_reruns(page: Any) -> list[float]:
    box = page.get_by_role("textbox", name="Prompt")
    samples = []
    for n in range(RERUNS):
        prompt = "a lighthouse at dusk" + "!" * (n + 1)  # a new length each time: the counter shows the rerun
        box.fill(prompt)
        started = time.perf_counter()
        box.press("Control+Enter")
        page.get_by_text(f"{len(prompt)}/1000 characters").wait_for(timeout=TIMEOUT_MS)
        page.locator(IDLE).wait_for(timeout=TIMEOUT_MS)
        samples.append(_ms(started))
    return samples


def _history_reruns(page: Any) -> list[float]:
    samples = []
    for n in range(RERUNS):
        view = "Gallery" if n % 2 == 0 else "Table"
        started = time.perf_counter()
        page.get_by_test_id("stMain").get_by_text(view, exact=True).click()
        gallery = view == "Gallery"  # the URL names the gallery; the table is the default and is left out
        page.wait_for_function(f"() => location.search.includes('view=gallery') === {str(gallery).lower()}")
        page.locator(IDLE).wait_for(timeout=TIMEOUT_MS)
        samples.append(_ms(started))
    return samples


def _seed(data_dir: Path, records: int) -> None:
    os.environ["DATA_DIR"] = str(data_dir)
    from tests.app.test_history_page import seed_records

    seed_records([f"a harbour scene, number {n}" for n in range(records)])


def _row(benchmark: str, samples: list[float]) -> dict[str, Any]:
    return {
        "benchmark": f"First view: {benchmark}",
        "median_ms": round(statistics.median(samples), 1),
        "min_ms": round(min(samples), 1),
        "max_ms": round(max(samples), 1),
        "runs": len(samples),
    }


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
