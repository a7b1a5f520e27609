"""Load on one server: 1, 5, 10 and 20 browser sessions at once, each creating one image through app.py.

Remote mode (speech, image and caption on Replicate, here the local fake, so latency is the app's own
work: sessions, reruns, uploads, HTTP to Replicate, storage, the database), one `streamlit run app.py`
replica, real Chromium contexts driven concurrently. Each session opens Create, uploads the committed
clip (transcribed on arrival) and clicks "Do it all"; its latency runs from that click to "Saved as #N".
Reported per level: p50 and p95 latency, errors, lost saves (sessions told "Saved" without a row, or
rows without a session) and the server's RSS. Goal (issue 17): 20 sessions with p95 under 3x a lone
session, zero errors, zero lost saves.
"""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.bench_remote import _free_port, _peak_rss_mb, _rss_mb, _wait_healthy

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT / "tests" / "fixtures" / "audio" / "house_16k_mono.wav"
LEVELS = (1, 5, 10, 20)
STEP_MS = 300_000


def run(levels: tuple[int, ...] = LEVELS) -> list[dict[str, Any]]:
    from tests.fixtures.replicate_server import start_fake_replicate

    fake, fake_server = start_fake_replicate()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-load-") as scratch:
            return _measure(Path(scratch), fake, levels)
    finally:
        fake_server.shutdown()
        fake_server.server_close()


def _measure(scratch: Path, fake: Any, levels: tuple[int, ...]) -> list[dict[str, Any]]:
    env = {
        **os.environ,
        "DATA_DIR": str(scratch / "data"),
        "SPEECH_ENGINE": "replicate",
        "CAPTION_ENGINE": "replicate",
        "REPLICATE_API_TOKEN": fake.token,
        "REPLICATE_BASE_URL": fake.base_url,
        "PYTHONPATH": str(ROOT),
    }
    python = sys.executable
    subprocess.run([python, "-m", "core", "migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
    (scratch / "secrets.toml").write_text("")
    port = _free_port()
    command = [
        python, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
        "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
        "--secrets.files", str(scratch / "secrets.toml"),
    ]  # fmt: skip
    rows = []
    with (scratch / "server.log").open("wb") as log:
        process = subprocess.Popen(command, cwd=scratch, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_healthy(url, process)
            idle = _rss_mb(process.pid)
            database = scratch / "data" / "app.db"
            for sessions in levels:
                before, cpu_before = _row_count(database), _cpu_s(process.pid)
                latencies, errors = asyncio.run(_level(url, sessions))
                saved = _row_count(database) - before
                rows.append(_row(sessions, latencies, errors, saved, idle, _rss_mb(process.pid)))
                # The server's own CPU time for the level: on a shared 2-core box, what the browsers did not use.
                rows[-1]["server_cpu_s"] = round(_cpu_s(process.pid) - cpu_before, 1)
                print(rows[-1], file=sys.stderr, flush=True)
            rows[-1]["peak_rss_mb"] = _peak_rss_mb(process.pid)
        finally:
            process.terminate()
            process.wait(timeout=30)
    lone = rows[0]["p95_s"]
    for row in rows:
        row["p95_vs_lone"] = round(row["p95_s"] / lone, 2) if lone else None
    return rows


def _row(
    sessions: int, latencies: list[float], errors: list[str], saved: int, idle: float, rss: float
) -> dict[str, Any]:
    ordered = sorted(latencies)
    return {
        "sessions": sessions,
        "p50_s": round(statistics.median(ordered), 2) if ordered else None,
        "p95_s": round(_percentile(ordered, 0.95), 2) if ordered else None,
        "max_s": round(ordered[-1], 2) if ordered else None,
        "errors": len(errors),
        "first_error": errors[0][:160] if errors else "",
        "lost_saves": abs(saved - len(latencies)),
        "idle_rss_mb": idle,
        "rss_after_mb": rss,
    }


def _percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile: with 20 samples, p95 is the 19th."""
    rank = max(1, round(fraction * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


def _cpu_s(pid: int) -> float:
    """User plus system CPU seconds of the server process so far (/proc/<pid>/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _row_count(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        return int(connection.execute("SELECT count(*) FROM image_records").fetchone()[0])


async def _level(url: str, sessions: int) -> tuple[list[float], list[str]]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"],
        )
        try:
            # Open every session first, so the creates (not page loads) are what happens at once.
            pages = await asyncio.gather(*(_create_page(browser, url) for _ in range(sessions)))
            outcomes = await asyncio.gather(*(_create(page) for page in pages), return_exceptions=True)
        finally:
            await browser.close()
    latencies = [outcome for outcome in outcomes if isinstance(outcome, float)]
    errors = [repr(outcome) for outcome in outcomes if not isinstance(outcome, float)]
    return latencies, errors


async def _create_page(browser: Any, url: str) -> Any:
    from playwright.async_api import expect

    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    page.set_default_timeout(STEP_MS)
    await page.goto(f"{url}/create")
    await page.get_by_role("tab", name=re.compile("Upload")).click()
    await expect(page.locator("input[type=file]")).to_be_attached(timeout=STEP_MS)
    return page


async def _create(page: Any) -> float:
    """Upload, wait for the transcript, click "Do it all"; seconds from the click to "Saved as #N"."""
    from playwright.async_api import expect

    await page.locator("input[type=file]").set_input_files(str(CLIP))
    await expect(page.get_by_role("textbox", name="Prompt")).not_to_have_value("", timeout=STEP_MS)
    clicked = time.perf_counter()
    await page.get_by_role("button", name=re.compile("Do it all")).click()
    await expect(page.get_by_text(re.compile(r"Saved as #\d+"))).to_be_visible(timeout=STEP_MS)
    return time.perf_counter() - clicked


if __name__ == "__main__":
    import json

    sys.path.insert(0, str(ROOT))
    chosen = tuple(int(level) for level in sys.argv[1:]) or LEVELS
    print(json.dumps(run(chosen), indent=2))
