"""Generate with 4 images in a real browser against `streamlit run app.py`, captions by a BLIP of BLIP-base's size.

What a person waits for: from the click on Generate to the first image on the page and to the last caption
(the run's status turning to "Done in …"), timed inside the page; and the caption stage as the run in the server
timed it (its status line "Caption images — N s"). The reference is the same 4 captions made by the same model
folder in this plain process (`caption_many`, as the run makes them), measured between the browser rounds so both
see the same machine. Target (issue 20): the server's caption stage within 1.5x of that.

Two servers take turns, round by round: as shipped (`runner.postScriptGC = false`, the preloader's
`gc.freeze()`) and with Streamlit's default (`--runner.postScriptGC true`, a full `gc.collect()` after every
script and fragment run). Each reports its RSS after its first Generate and after the measured rounds.

A third server, with captions on the (fake) Replicate kept busy for a few seconds, measures the results
fragment's own cost: the server's CPU while 4 images sit on the page waiting for their captions, when the
only work in the process is the fragment's redraws and the run's polls of Replicate.
Run from the repository root: `python -m bench generate_browser`.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from bench.load_clients import watch_after_click

ROOT = Path(__file__).resolve().parents[1]
IMAGES = 4
CAPTION_TOKENS = 15  # a typical real caption; a random model always writes this many
ROUNDS = 5
TIMEOUT_MS = 120_000
WAIT_POLLS = 16  # the fake Replicate keeps each remote caption "processing" this many polls (0.5 s apart)
VARIANTS = {
    "as shipped (postScriptGC off, gc.freeze)": (),
    "Streamlit default (postScriptGC on)": ("--runner.postScriptGC", "true"),
}

# Timed inside the page: the click as the page receives it, the first and the last <img> of the results as they
# enter the DOM, and the run's status label saying "Done in" (every caption written).
WATCH = watch_after_click(
    f"""    const images = document.querySelectorAll('[data-testid="stMain"] [data-testid^="stImage"] img').length;
    if (images >= 1) marks.first_image ??= now();
    if (images >= {IMAGES}) marks.all_images ??= now();
    if (/Done in \\d/.test(document.body.textContent || "")) marks.done ??= now();"""
)


def run() -> list[dict[str, Any]]:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.e2e.conftest import launched_browser
    from tests.fixtures.models import blip_base_config, save_random_blip
    from tests.fixtures.replicate_server import start_fake_replicate

    fake, fake_server = start_fake_replicate()
    with tempfile.TemporaryDirectory() as scratch, ExitStack() as stack:
        stack.callback(fake_server.server_close)
        stack.callback(fake_server.shutdown)
        folder = Path(scratch)
        blip = save_random_blip(folder / "blip-base-size", blip_base_config())
        browser = stack.enter_context(launched_browser("/usr/bin/chromium", None))
        servers = {
            name: stack.enter_context(_local_caption_server(fake, blip, folder / f"server{n}", extra))
            for n, (name, extra) in enumerate(VARIANTS.items())
        }
        captioner = _plain_captioner(blip)
        images = _flux_like_images()
        samples: dict[str, list[dict[str, float]]] = {name: [] for name in servers}
        plain: list[float] = []
        rss_after_first: dict[str, float] = {}
        for name, server in servers.items():
            _generate(browser, server.url)  # unmeasured: the first Generate of each server
            rss_after_first[name] = _rss_mb(server.process.pid)
        for _ in range(ROUNDS):
            for name, server in servers.items():
                samples[name].append(_generate(browser, server.url))
            started = time.perf_counter()
            captioner.caption_many(images)
            plain.append(time.perf_counter() - started)
        rows = [
            _row(name, samples[name], statistics.median(plain), servers[name], rss_after_first[name])
            for name in servers
        ]
        rows.append(_plain_row(plain))
        with _remote_caption_server(fake, folder / "remote") as remote:
            rows.append(_fragment_cost(browser, remote, fake))
    return rows


@contextmanager
def _local_caption_server(fake: Any, blip: Path, workdir: Path, extra: tuple[str, ...]) -> Iterator[Any]:
    """Speech on Replicate (not used here), captions by the BLIP folder in the server, loaded before any click."""
    from tests.e2e.conftest import app_environment, running_streamlit

    env = app_environment(
        {
            "REPLICATE_API_TOKEN": fake.token,
            "REPLICATE_BASE_URL": fake.base_url,
            "SPEECH_ENGINE": "replicate",
            "CAPTION_MODEL": str(blip),
            "CAPTION_MAX_TOKENS": str(CAPTION_TOKENS),
            "MODEL_DEVICE": "cpu",
        },
        workdir / "data",
    )
    with running_streamlit(env, workdir, workdir / "streamlit.log", extra_args=extra) as server:
        _wait_ready(server.url)
        yield server


@contextmanager
def _remote_caption_server(fake: Any, workdir: Path) -> Iterator[Any]:
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
    with running_streamlit(env, workdir, workdir / "streamlit.log") as server:
        _wait_ready(server.url)
        yield server


def _wait_ready(url: str) -> None:
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/readyz", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url}/readyz did not answer 200 in time")


def _generate(browser: Any, url: str, *, after_images: Any = None) -> dict[str, float]:
    """A new session on Create: type the prompt, choose 4 images, click Generate, wait for every caption."""

    from tests.e2e.conftest import IDLE, choose_number_of_images

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{url}/create")
        page.locator(IDLE).wait_for()
        box = page.get_by_role("textbox", name="Prompt")
        box.fill("a lighthouse on a cliff at dusk, oil painting")
        box.press("Control+Enter")
        page.locator(IDLE).wait_for()
        choose_number_of_images(page, IMAGES)
        page.locator(IDLE).wait_for()
        page.evaluate(WATCH)
        page.get_by_role("button", name="Generate", exact=True).click()
        page.wait_for_function("() => window.__benchMarks.all_images !== undefined")
        if after_images is not None:
            after_images()
        page.wait_for_function("() => window.__benchMarks.done !== undefined")
        marks = page.evaluate("() => window.__benchMarks")
        timed = {key: (marks[key] - marks["clicked"]) / 1000 for key in ("first_image", "all_images", "done")}
        page.get_by_text("Done in", exact=False).first.click()  # the status expander lists the stage times
        stage = page.get_by_text(re.compile(r"Caption images — [0-9.]+ s")).first.inner_text()
        return timed | {"caption_stage": float(re.search(r"— ([0-9.]+) s", stage).group(1))}  # type: ignore[union-attr]
    except Exception:
        page.screenshot(path=str(ROOT / "bench" / "results" / "generate_browser-failure.png"), full_page=True)
        raise
    finally:
        context.close()


def _plain_captioner(blip: Path) -> Any:
    from core.captioning.blip import load_captioner

    return load_captioner(model=str(blip), device="cpu", max_new_tokens=CAPTION_TOKENS)


def _flux_like_images() -> list[bytes]:
    """What the fake FLUX returns for a 4-image request: 1 MP WebP, one colour per seed."""
    from tests.fixtures.replicate_server import make_image

    return [make_image(aspect_ratio="1:1", output_format="webp", seed=seed) for seed in range(IMAGES)]


def _row(
    name: str, samples: list[dict[str, float]], plain_s: float, server: Any, rss_after_first: float
) -> dict[str, Any]:
    first = statistics.median(s["first_image"] for s in samples)
    done = statistics.median(s["done"] for s in samples)
    stage = statistics.median(s["caption_stage"] for s in samples)
    return {
        "benchmark": "generate x4 in a browser",
        "server": name,
        "rounds": len(samples),
        "to_first_image_s": round(first, 2),
        "to_last_caption_s": round(done, 2),
        "caption_stage_in_server_s": round(stage, 2),
        "captions_plain_process_s": round(plain_s, 2),
        "server_over_plain": round(stage / plain_s, 2),
        "rss_after_first_mb": round(rss_after_first),
        "rss_after_rounds_mb": round(_rss_mb(server.process.pid)),
    }


def _plain_row(plain: list[float]) -> dict[str, Any]:
    return {
        "benchmark": "the same 4 captions in a plain process (caption_many)",
        "server": "-",
        "rounds": len(plain),
        "to_first_image_s": "",
        "to_last_caption_s": round(statistics.median(plain), 2),
        "caption_stage_in_server_s": "",
        "captions_plain_process_s": round(statistics.median(plain), 2),
        "server_over_plain": "",
        "rss_after_first_mb": "",
        "rss_after_rounds_mb": "",
    }


def _fragment_cost(browser: Any, server: Any, fake: Any) -> dict[str, Any]:
    """Server CPU while 4 images wait for captions held "processing" on the fake Replicate, against idle."""
    import psutil

    from tests.fixtures.replicate_server import Scenario

    process = psutil.Process(server.process.pid)
    idle_cpu = _cpu_over(process, 4.0)
    _generate(browser, server.url)  # warm: the community model's version lookup, the first uploads
    fake.queue("ok", *[Scenario("processing_then_ok", polls=WAIT_POLLS)] * IMAGES)
    window: dict[str, float] = {}

    def measure() -> None:
        window["cpu_per_s"] = _cpu_over(process, 4.0)

    _generate(browser, server.url, after_images=measure)
    busy = window["cpu_per_s"]
    return {
        "benchmark": "results fragment while 4 images wait for captions (server CPU)",
        "idle_ms_per_s": round(idle_cpu * 1000, 1),
        "waiting_ms_per_s": round(busy * 1000, 1),
        "per_poll_ms": round((busy - idle_cpu) * 1000 / 2, 1),  # the fragment redraws every 0.5 s
        "share_of_one_core": f"{busy:.1%}",
    }


def _cpu_over(process: Any, seconds: float) -> float:
    """CPU seconds the process used per wall second over the next `seconds`."""
    before = process.cpu_times()
    started = time.perf_counter()
    time.sleep(seconds)
    after = process.cpu_times()
    used = (after.user - before.user) + (after.system - before.system)
    return used / (time.perf_counter() - started)


def _rss_mb(pid: int) -> float:
    import psutil

    return psutil.Process(pid).memory_info().rss / 2**20


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
