"""Create as a studio (issue 29): page height, time to the first image in view, and where things sit on a phone.

Chromium at a desktop (1440x900) and a phone (390x844) against `streamlit run app.py` with every model on the
fake Replicate, which keeps each prediction "processing" for GENERATE_POLLS polls (the client polls every
0.5 s), so an image takes about 2 s to arrive, as a fast real FLUX [schnell] run does. Per round: a new
session types a prompt, chooses four images and clicks Generate from the top of the page; then

- to_first_image_loaded_s: from the click (as the page received it) to the first result's image loaded;
- to_first_image_in_view_s: from the click to the first result's image loaded with at least half of it inside
  the viewport, the person not having scrolled ("never" when it arrives below the fold);
- page_height_px: the page's scroll height once all four results and their captions are there;
- first_result_top_px: how far down the page the first result's image starts (0 is the top), so on a phone
  how far one must scroll to reach it when it is not already in view; scroll_to_whole_first_px: how far to
  scroll to see all of it;
- generate_top_px / record_top_px: where Generate and Record sit on the page with the four results.

The same rounds run, side by side, against the Create page as it was before issue 29 (the commit before
b986343, its first change, exported with `git archive` into a scratch folder), so both see the same machine.
Issue 29's figures for the old page: 4,900 px tall with four results; the first result ~1,500 px down on a phone.
Run from the repository root: `python -m bench studio`.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCREENS = {"desktop": (1440, 900), "phone": (390, 844)}
IMAGES = 4
ROUNDS = 3
GENERATE_POLLS = 4  # x 0.5 s: about 2 s per prediction, images and captions alike
BEFORE_ISSUE = "b986343^"  # the commit before the first change for issue 29
TIMEOUT_MS = 120_000
# The first result's image in the main area (the old page has no studio container; drafts are discarded
# between rounds, so no "Made but not saved" image comes first).
FIRST_IMAGE = '[data-testid="stMain"] [data-testid="stImage"] img'
MAIN = '[data-testid="stMain"]'

# From the click on, every frame: is the first image loaded (`loaded`), and at least half inside the viewport
# (`in_view`; never set when it arrives below the fold, as on the page before issue 29)?
WATCH = f"""() => {{
  const marks = (window.__studioMarks = {{}});
  document.addEventListener("click", () => {{
    if (marks.clicked !== undefined) return;
    marks.clicked = performance.now();
    const frame = () => {{
      const img = document.querySelector('{FIRST_IMAGE}');
      if (img && img.complete && img.naturalWidth > 0) {{
        marks.loaded ??= performance.now();
        const box = img.getBoundingClientRect();
        const seen = Math.min(box.bottom, innerHeight) - Math.max(box.top, 0);
        if (box.height > 0 && seen >= box.height / 2) {{ marks.in_view = performance.now(); return; }}
      }}
      requestAnimationFrame(frame);
    }};
    requestAnimationFrame(frame);
  }}, true);
}}"""

PLACES = f"""() => {{
  const main = document.querySelector('{MAIN}');
  const top = el => el ? Math.round(el.getBoundingClientRect().top + main.scrollTop) : null;
  const img = document.querySelector('{FIRST_IMAGE}');
  const buttons = [...document.querySelectorAll('button')];
  const named = name => buttons.find(b => (b.getAttribute('aria-label') || b.textContent.trim()) === name);
  return {{
    page: main.scrollHeight,
    first_top: top(img),
    first_bottom: img ? top(img) + Math.round(img.getBoundingClientRect().height) : null,
    generate: top(named('Generate')),
    record: top(named('Record')),
  }};
}}"""


def run() -> list[dict[str, Any]]:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.e2e.conftest import launched_browser
    from tests.fixtures.replicate_server import Scenario, start_fake_replicate

    fake, fake_server = start_fake_replicate()
    fake.default = Scenario("processing_then_ok", polls=GENERATE_POLLS)
    rows = []
    with tempfile.TemporaryDirectory() as scratch, ExitStack() as stack:
        stack.callback(fake_server.server_close)
        stack.callback(fake_server.shutdown)
        folder = Path(scratch)
        before = _export(BEFORE_ISSUE, folder / "before-issue-29")
        browser = stack.enter_context(launched_browser("/usr/bin/chromium", None))
        versions = {
            "studio (this checkout)": stack.enter_context(_server(fake, ROOT, folder / "studio")),
            f"before issue 29 ({BEFORE_ISSUE})": stack.enter_context(_server(fake, before, folder / "before")),
        }
        samples: dict[tuple[str, str], list[dict[str, float]]] = {}
        for _ in range(ROUNDS):  # the versions take turns, so both see the same load
            for version, (url, env) in versions.items():
                for screen in SCREENS:
                    samples.setdefault((version, screen), []).append(_round(browser, url, screen))
                    _discard_drafts(env)
        for (version, screen), measured in samples.items():
            rows.append(_row(version, screen, measured))
    return rows


def _export(commit: str, target: Path) -> Path:
    """The repository at `commit`, as files in `target` (no worktree, no change to this checkout)."""
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, check=True, capture_output=True).stdout
    target.mkdir(parents=True)
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


@contextmanager
def _server(fake: Any, source: Path, workdir: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """`streamlit run app.py` from `source`, speech and captions on the fake Replicate, no model to load."""
    from tests.e2e.conftest import app_environment, running_streamlit

    env = app_environment(
        {
            "REPLICATE_API_TOKEN": fake.token,
            "REPLICATE_BASE_URL": fake.base_url,
            "SPEECH_ENGINE": "replicate",
            "CAPTION_ENGINE": "replicate",
        },
        workdir / "data",
    )
    env["BENCH_SOURCE"] = str(source)  # where `python -m core` runs for this server (see _discard_drafts)
    with running_streamlit(env, workdir, workdir / "streamlit.log", script=str(source / "app.py")) as server:
        yield server.url, env


def _discard_drafts(env: dict[str, str]) -> None:
    """The round's four images are drafts until saved; the next round's page must not list them."""
    source = env["BENCH_SOURCE"]
    if not (Path(source) / "core" / "cli" / "drafts.py").is_file():
        return  # a version from before drafts: its unsaved images are not listed on the next page
    listed = subprocess.run(
        [sys.executable, "-m", "core", "drafts"], cwd=source, env=env, check=True, capture_output=True, text=True
    ).stdout
    ids = [str(json.loads(line)["id"]) for line in listed.splitlines() if line.strip()]
    if ids:
        command = [sys.executable, "-m", "core", "drafts", "--discard", *ids]
        subprocess.run(command, cwd=source, env=env, check=True, capture_output=True)


def _round(browser: Any, url: str, screen: str) -> dict[str, float]:
    from playwright.sync_api import expect

    from tests.e2e.conftest import IDLE, choose_number_of_images

    width, height = SCREENS[screen]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(f"{url}/create")
        page.locator(IDLE).wait_for()
        prompt = page.get_by_role("textbox", name="Prompt")
        prompt.fill("a lighthouse on a rocky coast at sunset, warm light, wide view")
        prompt.press("Control+Enter")
        page.locator(IDLE).wait_for()
        choose_number_of_images(page, IMAGES)
        page.get_by_text("Generation options").click()  # folded again
        page.locator(IDLE).wait_for()
        page.evaluate(f"document.querySelector('{MAIN}').scrollTo(0, 0)")  # as a person arrives at Generate
        page.evaluate(WATCH)
        generate = page.get_by_role("button", name="Generate", exact=True)
        generate.evaluate("button => button.click()")  # no scrolling into view first, as a tap in view does
        page.wait_for_function("() => window.__studioMarks.loaded !== undefined")
        expect(page.get_by_text("Done in", exact=False).first).to_be_visible()
        expect(page.locator(FIRST_IMAGE).nth(IMAGES - 1)).to_be_attached()
        page.locator(IDLE).wait_for()
        marks = page.evaluate("() => window.__studioMarks")
        places = page.evaluate(PLACES)
        in_view = marks.get("in_view")
        return {
            "loaded_s": (marks["loaded"] - marks["clicked"]) / 1000,
            "in_view_s": (in_view - marks["clicked"]) / 1000 if in_view is not None else float("inf"),
            "page": places["page"],
            "first_top": places["first_top"],
            "whole_first": max(0, places["first_bottom"] - height),
            "generate": places["generate"],
            "record": places["record"] if places["record"] is not None else float("nan"),
        }
    except Exception:
        (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ROOT / "bench" / "results" / f"studio-{screen}-failure.png"), full_page=True)
        raise
    finally:
        context.close()


def _row(version: str, screen: str, measured: list[dict[str, float]]) -> dict[str, Any]:
    def median(key: str) -> float:
        return statistics.median(sample[key] for sample in measured)

    width, height = SCREENS[screen]
    in_view = median("in_view_s")
    return {
        "benchmark": f"Create with {IMAGES} results",
        "version": version,
        "screen": f"{screen} {width}x{height}",
        "rounds": len(measured),
        "to_first_image_loaded_s": round(median("loaded_s"), 2),
        "to_first_image_in_view_s": round(in_view, 2) if in_view != float("inf") else "never (below the fold)",
        "page_height_px": round(median("page")),
        "first_result_top_px": round(median("first_top")),
        "scroll_to_whole_first_px": round(median("whole_first")),
        "generate_top_px": round(median("generate")),
        "record_top_px": round(median("record")),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
