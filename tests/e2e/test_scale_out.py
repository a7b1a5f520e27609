"""Two `streamlit run` replicas on PostgreSQL and S3 behind Debian's nginx running deploy/nginx.conf.

A browser session signs in and works through the proxy (websocket, upload, live words over /listen, reruns) with
basic auth in front; what it saves through one replica shows in History on the other; strangers get nothing, not
even the upload endpoint or a /listen stream. The replicas trust nginx (TRUSTED_PROXIES), so wrong passwords count
against each visitor's own address, not against nginx's one address.
"""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from base64 import b64encode
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.config.settings import SpacesSettings
from tests.e2e.conftest import (
    AUDIO_DIR,
    app_environment,
    fake_microphone_wav,
    handshake_status,
    launched_browser,
    running_streamlit,
)
from tests.e2e.nginx import running_nginx, write_htpasswd
from tests.fixtures.replicate_server import FakeReplicate
from tests.fixtures.s3 import spaces_env

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
SEA_CLIP = AUDIO_DIR / "sea.flac"  # "The sun is shining over the blue sea."
USER, PASSWORD = "team", "demo day 2026"  # nginx's basic auth
APP_PASSWORD = "correct horse battery staple"  # the app's own gate, on every replica
STEP_MS = 60_000  # for every wait: the default 5 s of expect() is too short on a busy 2-core machine
MODEL_STEP_MS = 180_000  # two replicas load their speech model on the same 2 cores
CAPTION = "a glass lighthouse on a cliff"
BASIC = {"Authorization": "Basic " + b64encode(f"{USER}:{PASSWORD}".encode()).decode()}


def status_of(url: str, *, method: str = "GET", auth: bool = False, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    if auth:
        request.add_header("Authorization", "Basic " + b64encode(f"{USER}:{PASSWORD}".encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as refused:
        return refused.code


def wait_until_ready(url: str, timeout_s: float = 60.0) -> int:
    import time

    deadline = time.monotonic() + timeout_s
    while (status := status_of(f"{url}/readyz")) != 200 and time.monotonic() < deadline:
        time.sleep(0.5)
    return status


def assert_front_end_is_compressed(proxy_url: str, replica_url: str, app_pass: str) -> None:
    """Streamlit's main script comes through nginx gzipped, and unpacks to what the replica serves itself."""
    authorised = {**BASIC, "Cookie": app_pass}  # the page itself is behind the app's gate; its static files are not
    with urllib.request.urlopen(urllib.request.Request(f"{proxy_url}/", headers=authorised), timeout=10) as page:
        script = re.search(r'src="\./(static/js/index\.[^"]+\.js)"', page.read().decode())
    assert script, "the app's HTML names its main script"
    asked = urllib.request.Request(f"{proxy_url}/{script.group(1)}", headers={**authorised, "Accept-Encoding": "gzip"})
    with urllib.request.urlopen(asked, timeout=10) as response:
        encoding, body = response.headers.get("Content-Encoding"), response.read()
    with urllib.request.urlopen(f"{replica_url}/{script.group(1)}", timeout=10) as direct:
        plain = direct.read()
    assert encoding == "gzip"
    assert gzip.decompress(body) == plain and len(body) < len(plain) / 2


def sign_in_through(proxy_url: str, address: str, password: str) -> httpx.Response:
    """POST the app's sign-in form through nginx from `address` (a loopback address of its own)."""
    transport = httpx.HTTPTransport(local_address=address)
    with httpx.Client(transport=transport, follow_redirects=False, timeout=30, headers=BASIC) as client:
        return client.post(f"{proxy_url}/sign-in", data={"password": password, "next": "/"})


def sign_in_page(page: Any, url: str) -> None:
    from playwright.sync_api import expect

    page.goto(url)  # the app's gate sends a stranger to its sign-in form
    page.get_by_label("Password", exact=True).fill(APP_PASSWORD)
    page.get_by_role("button", name="Enter").click()
    expect(page.get_by_test_id("stTopNav")).to_be_visible(timeout=STEP_MS)


def test_session_through_nginx_saves_on_one_replica_and_history_on_the_other_shows_it(
    chromium_executable: str,
    artifacts: Path,
    postgres_url: str,
    spaces_settings: SpacesSettings,
    fake_replicate: FakeReplicate,
    real_whisper_ct2_dir: Path,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    fake_replicate.community.blip.caption = f"Caption: {CAPTION}"
    env = app_environment(
        {
            "DATABASE_URL": postgres_url,
            **spaces_env(spaces_settings),
            "REPLICATE_API_TOKEN": fake_replicate.token,
            "REPLICATE_BASE_URL": fake_replicate.base_url,
            # Live words need a local faster-whisper (real tiny.en); captions and images stay on the fake Replicate.
            "SPEECH_ENGINE": "faster-whisper",
            "WHISPER_MODEL": str(real_whisper_ct2_dir),
            "MODEL_DEVICE": "cpu",
            "MODEL_THREADS": "1",
            "CAPTION_ENGINE": "replicate",
            "APP_PASSWORD": APP_PASSWORD,
            "TRUSTED_PROXIES": "127.0.0.1",  # nginx, as deploy/nginx.conf's header says to set
        },
        tmp_path / "data",
    )
    # The fake microphone says "Please draw a big house with a red door." after 0.3 s, then a long silence.
    microphone = fake_microphone_wav(AUDIO_DIR / "house_16k_mono.wav", tmp_path / "house-48k.wav", tail_s=60.0)
    # Deployments migrate once before starting replicas, rather than letting them race for it.
    migrated = subprocess.run([sys.executable, "-m", "core", "migrate"], cwd=ROOT, env=env, capture_output=True)
    assert migrated.returncode == 0, migrated.stderr
    htpasswd = write_htpasswd(tmp_path / "htpasswd", USER, PASSWORD)
    with ExitStack() as stack:
        replicas = [
            stack.enter_context(running_streamlit(env, tmp_path / name, artifacts / f"streamlit-{name}.log"))
            for name in ("replica-a", "replica-b")
        ]
        ports = [int(replica.url.rsplit(":", 1)[1]) for replica in replicas]
        proxy = stack.enter_context(running_nginx(ports, tmp_path / "nginx", htpasswd=htpasswd))

        # Strangers: nothing without the password, uploads included; the health probe stays open.
        assert status_of(f"{proxy.url}/") == 401
        assert status_of(f"{proxy.url}/_stcore/upload_file/session/file", method="PUT") == 401
        assert status_of(f"{proxy.url}/_stcore/health") == 200
        assert status_of(f"{proxy.url}/readyz") in (200, 503), "readiness is open to probes, like liveness"
        for replica in replicas:  # each replica, asked directly, becomes ready without a page view
            assert wait_until_ready(replica.url, timeout_s=MODEL_STEP_MS / 1000) == 200
        too_big = {"Content-Length": str(12 * 2**20), "Content-Type": "multipart/form-data; boundary=x"}
        assert status_of(f"{proxy.url}/_stcore/upload_file/s/f", method="PUT", auth=True, headers=too_big) == 413
        # Past nginx's basic auth but without the app's pass: no live stream either.
        stranger_ws = handshake_status(proxy.url, "/listen", origin=proxy.url, extra_headers=BASIC)
        assert stranger_ws == 403, f"a stranger's /listen handshake through nginx answered {stranger_ws}"

        # Wrong passwords count per visitor: nginx passes X-Forwarded-For and the replicas trust nginx. Without
        # TRUSTED_PROXIES both addresses below would be nginx's 127.0.0.1 and share one budget.
        guesses = [sign_in_through(proxy.url, "127.0.0.2", f"guess {n}").status_code for n in range(11)]
        assert guesses == [401] * 10 + [429], guesses
        welcomed = sign_in_through(proxy.url, "127.0.0.3", APP_PASSWORD)
        assert welcomed.status_code == 303, "another visitor is not locked out"
        app_pass = "; ".join(f"{name}={value}" for name, value in welcomed.cookies.items())
        assert_front_end_is_compressed(proxy.url, replicas[0].url, app_pass)

        browser = stack.enter_context(launched_browser(chromium_executable, microphone))
        context = browser.new_context(
            http_credentials={"username": USER, "password": PASSWORD},
            permissions=["microphone"],
            viewport={"width": 1400, "height": 1000},
        )
        page = context.new_page()
        page.set_default_timeout(STEP_MS)
        try:
            sign_in_page(page, proxy.url)
            page.get_by_test_id("stTopNav").get_by_role("link", name="Create", exact=True).click()
            expect(page.get_by_role("heading", name="Create")).to_be_visible(timeout=STEP_MS)
            prompt = page.get_by_role("textbox", name="Prompt")
            page.get_by_role("tab", name=re.compile("Upload")).click()
            page.locator("input[type=file]").set_input_files(str(SEA_CLIP))  # transcribed when it arrives
            expect(prompt).to_have_value(re.compile("sea", re.IGNORECASE), timeout=MODEL_STEP_MS)

            # Live words through nginx's /listen: heard while the microphone is on, the prompt at Stop.
            page.get_by_role("tab", name=re.compile("Record")).click()
            page.get_by_role("button", name="Record", exact=True).click()
            stop = page.get_by_role("button", name="Stop recording")
            words = page.locator(".recorder .words")
            expect(words).to_contain_text(re.compile("house", re.IGNORECASE), timeout=MODEL_STEP_MS)
            expect(stop).to_be_visible()  # the words came before Stop
            stop.click()
            expect(prompt).to_have_value(re.compile("house", re.IGNORECASE), timeout=STEP_MS)
            spoken = prompt.input_value()
            page.get_by_role("button", name="Generate", exact=True).click()
            expect(page.get_by_text(CAPTION)).to_be_visible(timeout=STEP_MS)
            page.get_by_role("button", name="Save", exact=True).click()
            expect(page.get_by_text(re.compile(r"Saved as #\d+"))).to_be_visible(timeout=STEP_MS)
        except Exception:
            page.screenshot(path=str(artifacts / "scale-out-failure.png"), full_page=True)
            for log in ("access.log", "error.log"):  # which replica answered what, and nginx's complaints
                shutil.copy(proxy.folder / log, artifacts / f"scale-out-nginx-{log}")
            raise

        # One session, one replica: every request carrying its cookie reached the same upstream.
        cookie = next(c["value"] for c in context.cookies() if c["name"] == "speak_replica")
        context.close()  # nginx logs a websocket when it closes
        assert proxy.logged("GET /_stcore/stream 101 ")  # the websocket was upgraded through the proxy
        assert proxy.logged(f"GET /listen 101 cookie={cookie} "), "the live words streamed through the proxy"
        assert any(line.startswith("GET /listen 403 cookie=- ") for line in proxy.access_log()), "the stranger"
        upstreams = {
            line.rsplit("upstream=", 1)[1]
            for line in proxy.access_log()
            if f"cookie={cookie} " in line and "upstream=-" not in line
        }
        assert len(upstreams) == 1, proxy.access_log()
        [served] = upstreams
        [other] = [replica for replica in replicas if not replica.url.endswith(served.rsplit(":", 1)[1])]

        history = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
        history.set_default_timeout(STEP_MS)
        sign_in_page(history, other.url)  # the other replica, directly: it shares only PostgreSQL and S3 with the first
        history.get_by_test_id("stTopNav").get_by_role("link", name="History", exact=True).click()
        expect(history.get_by_role("heading", name="History")).to_be_visible(timeout=STEP_MS)
        # The gallery (History's default) shows each card's prompt; its detail shows the caption.
        expect(history.get_by_text(spoken).first).to_be_visible(timeout=STEP_MS)
        history.get_by_role("button", name="Open", exact=True).first.click()  # the detail shows the caption
        expect(history.get_by_text(CAPTION).first).to_be_visible(timeout=STEP_MS)
