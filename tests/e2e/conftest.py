"""Browser harness: `streamlit run app.py` as a subprocess, Debian's Chromium through Playwright, a fake microphone."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from core.config.specs import SETTINGS
from tests.fixtures.embedding import minilm_folder
from tests.fixtures.ports import free_port
from tests.fixtures.services import service_missing

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts" / "e2e"
AUDIO_DIR = ROOT / "tests" / "fixtures" / "audio"
CHROMIUM = Path("/usr/bin/chromium")
STARTUP_TIMEOUT_S = 60.0
# A refused connection costs well under a millisecond: asking often lets each test start as soon as the server does.
HEALTH_POLL_S = 0.05
# Chromium's fake capture device reads WAV files; 48 kHz is what a real microphone delivers.
FAKE_MIC_RATE = 48_000
# The page's script run has finished: what it drew is all there.
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
MAX_IMAGES = 4  # the "Number of images" slider's top


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser test, marked or not, so none slips into `make test-fast`.

    They run one at a time on one pytest-xdist worker while the other runs the rest (tests/fixtures/scheduling.py).
    """
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@dataclass(frozen=True)
class StreamlitServer:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, characters: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-characters:]
        except OSError:
            return ""


def app_environment(overrides: Mapping[str, str], data_dir: Path) -> dict[str, str]:
    """The test process's environment without any configuration variable, plus `overrides`.

    tests/conftest.py clears them for each test, but a module-scoped server starts before that.
    """
    configuration = {spec.name for spec in SETTINGS}
    env = {name: value for name, value in os.environ.items() if name not in configuration}
    env.update(
        {
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false",
            "PYTHONUNBUFFERED": "1",
            "DATA_DIR": str(data_dir),
            "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
            "PRELOAD_MODELS": "true",  # as a real server does: models load in the background at start
        }
    )
    env.update(overrides)
    remote = env.get("CAPTION_ENGINE") == "replicate"  # a torch-free server embeds on Replicate (the fake)
    if not remote and "EMBEDDING_MODEL" not in env and (minilm := minilm_folder()) is not None:
        env["EMBEDDING_MODEL"] = str(minilm)  # the embedding model preloads too: the real one, never the hub
    return env


@contextmanager
def running_streamlit(
    env: Mapping[str, str],
    workdir: Path,
    log_path: Path,
    *,
    secrets_file: Path | None = None,
    port: int | None = None,
    script: str = "app.py",
    extra_args: Sequence[str] = (),
) -> Iterator[StreamlitServer]:
    """`streamlit run app.py` on loopback (a free port unless given); yields once /_stcore/health answers "ok".

    app.py is what deployments serve (the gate, /sign-in, /readyz); `script="Home.py"` is the development mode.
    """
    port = port if port is not None else free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    if secrets_file is None:
        # An empty secrets file: a developer's .streamlit/secrets.toml must not configure the app under test.
        secrets_file = workdir / "no-secrets.toml"
        secrets_file.write_text("")
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / script),
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--server.headless", "true",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
        "--secrets.files", str(secrets_file),
        *extra_args,
    ]  # fmt: skip
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        # cwd is a scratch folder so a developer's .env in the repository cannot leak in; a session of
        # its own lets us stop streamlit and anything it started in one go.
        process = subprocess.Popen(
            command, cwd=workdir, env=dict(env), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = StreamlitServer(f"http://127.0.0.1:{port}", process, log_path)
    try:
        _wait_until_healthy(server)
        yield server
    finally:
        _stop(process)


def _wait_until_healthy(server: StreamlitServer) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"streamlit exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=2) as response:
                if response.status == 200 and response.read().strip() == b"ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(HEALTH_POLL_S)
    pytest.fail(f"streamlit did not become healthy within {STARTUP_TIMEOUT_S:.0f} s:\n{server.log_tail()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


def fake_microphone_wav(source: Path, target: Path, *, lead_s: float = 0.3, tail_s: float = 3.0) -> Path:
    """A 48 kHz mono 16-bit WAV of `source` with silence around it, for --use-file-for-fake-audio-capture."""
    import numpy as np
    import soundfile
    import soxr

    samples, rate = soundfile.read(source, dtype="float32", always_2d=True)
    mono = soxr.resample(samples.mean(axis=1), rate, FAKE_MIC_RATE)
    # Chromium loops the file: trailing silence keeps a slightly long recording from starting the sentence again.
    lead, tail = (np.zeros(int(seconds * FAKE_MIC_RATE), dtype=np.float32) for seconds in (lead_s, tail_s))
    padded = np.concatenate([lead, mono.astype(np.float32), tail])
    target.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(target, padded, FAKE_MIC_RATE, subtype="PCM_16")
    return target


def chromium_arguments(fake_audio: Path | None) -> list[str]:
    arguments = [
        "--headless=new",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
    ]
    if os.geteuid() == 0:  # Chromium refuses to start as root with its sandbox on
        arguments.append("--no-sandbox")
    if fake_audio is not None:
        arguments.append(f"--use-file-for-fake-audio-capture={fake_audio}")
    return arguments


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    if not CHROMIUM.is_file():
        service_missing(f"Chromium at {CHROMIUM} (apt-get install chromium, or `make services`)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        service_missing("the playwright Python package")
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def fake_microphone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What the fake microphone says: the committed 'big house with a red door' clip."""
    folder = tmp_path_factory.mktemp("fake-mic")
    return fake_microphone_wav(AUDIO_DIR / "house_16k_mono.wav", folder / "house-48k.wav")


@contextmanager
def launched_browser(executable: str, fake_audio: Path | None) -> Iterator[Any]:
    """Chromium with a fake microphone; yields a Playwright Browser and closes everything afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=chromium_arguments(fake_audio), timeout=60_000
        )
        try:
            yield browser
        finally:
            browser.close()


def handshake_status(
    url: str, path: str, *, origin: str | None, cookie: str = "", extra_headers: Mapping[str, str] | None = None
) -> int:
    """The HTTP status a raw WebSocket handshake to `path` gets (101 when it opens)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as raw:
        headers = [f"GET {path} HTTP/1.1", f"Host: {parts.netloc}", "Upgrade: websocket", "Connection: Upgrade",
                   "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="]  # fmt: skip
        headers += [f"Origin: {origin}"] if origin else []
        headers += [f"Cookie: {cookie}"] if cookie else []
        headers += [f"{name}: {value}" for name, value in (extra_headers or {}).items()]
        raw.sendall(("\r\n".join(headers) + "\r\n\r\n").encode())
        return int(raw.recv(1024).split(b" ", 2)[1])


@pytest.fixture(scope="module")
def browser(chromium_executable: str) -> Iterator[Any]:
    """One Chromium (no microphone) for a module's tests; each test opens its own context, so no cookie,
    storage or session crosses from one test to the next. Launching one costs seconds of CPU on a busy machine."""
    with launched_browser(chromium_executable, None) as launched:
        yield launched


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def choose_number_of_images(page: Any, count: int) -> None:
    """Set Create's "Number of images" slider by its keys, opening Generation options if they are folded.

    Keys, not a drag: Home is 1, End is MAX_IMAGES, each ArrowRight one more. The options stay open.
    """
    from playwright.sync_api import expect

    slider = page.get_by_role("slider", name="Number of images")
    if not slider.is_visible():
        page.get_by_text("Generation options").click()
    slider.focus()
    if count == MAX_IMAGES:
        slider.press("End")
    else:
        slider.press("Home")
        for _ in range(count - 1):
            slider.press("ArrowRight")
    expect(slider).to_have_value(str(count))
