"""app.py's gate on a fresh `streamlit run app.py` with APP_PASSWORD and nothing in front: every door, in Chromium.

A stranger gets the sign-in form and the health checks only (no websocket, upload, media or agent API);
the HTTP form lands a visitor on the link they opened with an HttpOnly pass; a sign-out ends that pass
in every tab; and two server processes on one PostgreSQL share one wrong-password budget.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from tests.e2e.conftest import ARTIFACTS, StreamlitServer, app_environment, running_streamlit
from tests.e2e.test_browser import PASSWORD, STEP_MS, assert_no_tracebacks, wait_until_idle

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DEEP_LINK = "/history?q=lighthouse&view=gallery"


def raw_exchange(server: StreamlitServer, request_head: str, *, timeout_s: float = 10.0) -> str:
    """Send only `request_head` (no body) and return the status line and headers the server answers with."""
    host, port = urlsplit(server.url).hostname, urlsplit(server.url).port
    assert host is not None and port is not None
    with socket.create_connection((host, port), timeout=timeout_s) as connection:
        connection.sendall(request_head.encode("latin-1"))
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = connection.recv(4096)  # times out (a failure) if the server waits for the body
            if not chunk:
                break
            answer += chunk
    return answer.decode("latin-1")


def post_form(url: str, fields: dict[str, str]) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, data=urlencode(fields).encode(), method="POST")
    opener = urllib.request.build_opener(_NoRedirect())
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read().decode()
    except urllib.error.HTTPError as answer:
        return answer.code, {k.lower(): v for k, v in answer.headers.items()}, answer.read().decode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@pytest.fixture(scope="module")
def hardened_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamlitServer]:
    """app.py with APP_PASSWORD and its host named, as docs/security.md deploys it, for the tests that sign in.

    They share it: each signs in on its own (one wrong guess in all, far from the budget), and signing out ends
    only the pass that signs out.
    """
    folder = tmp_path_factory.mktemp("hardened")
    env = app_environment({"APP_PASSWORD": PASSWORD}, folder / "data")
    extra = ["--server.allowedHosts", "127.0.0.1"]
    with running_streamlit(env, folder / "app", ARTIFACTS / "streamlit-hardening.log", extra_args=extra) as server:
        yield server


def test_a_stranger_gets_no_websocket_upload_media_or_agent_api_only_the_form_and_health(
    browser: Any, artifacts: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    env = app_environment({"APP_PASSWORD": PASSWORD}, tmp_path / "data")
    extra = ["--server.enableAgentApi", "true"]  # asked for: then behind the same gate
    with running_streamlit(env, tmp_path / "app", artifacts / "streamlit-gate-doors.log", extra_args=extra) as server:
        # The upload is answered before its 10 MB body is sent: the server never waits to read it.
        upload = raw_exchange(
            server,
            "PUT /_stcore/upload_file/some-session/some-file HTTP/1.1\r\n"
            f"Host: {urlsplit(server.url).netloc}\r\nContent-Type: multipart/form-data; boundary=x\r\n"
            f"Content-Length: {10 * 2**20}\r\n\r\n",
        )
        assert upload.startswith("HTTP/1.1 401"), upload
        handshake = raw_exchange(
            server,
            "GET /_stcore/stream HTTP/1.1\r\n"
            f"Host: {urlsplit(server.url).netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        )
        assert handshake.startswith("HTTP/1.1 403"), handshake

        context = browser.new_context()
        context.set_default_timeout(STEP_MS)
        page = context.new_page()
        sockets: list[str] = []
        page.on("websocket", lambda socket: sockets.append(socket.url))
        try:
            page.goto(f"{server.url}/history")
            expect(page.get_by_role("heading", name="This app is private")).to_be_visible()
            assert urlsplit(page.url).path == "/sign-in"
            assert page.get_by_test_id("stApp").count() == 0, "no Streamlit page before the password"
            page.screenshot(path=str(artifacts / "gate-doors-1-form.png"), full_page=True)
            # Even a script on the sign-in page cannot open a session.
            outcome = page.evaluate(
                """url => new Promise(resolve => {
                    const ws = new WebSocket(url);
                    ws.onopen = () => resolve("open");
                    ws.onclose = event => resolve("closed " + event.code);
                })""",
                server.url.replace("http", "ws", 1) + "/_stcore/stream",
            )
            assert outcome.startswith("closed"), outcome
            assert sockets == [server.url.replace("http", "ws", 1) + "/_stcore/stream"], sockets

            request = context.request
            media = request.get(f"{server.url}/media/0123456789abcdef.png")
            assert media.status == 401 and media.json()["sign_in"] == "/sign-in"
            assert request.put(f"{server.url}/_stcore/upload_file/s/f", data=b"x" * 1024).status == 401
            assert request.post(f"{server.url}/_stcore/agent/interact", data="{}").status == 401
            assert request.get(f"{server.url}/_stcore/agent/openapi.json").status == 401
            assert request.get(f"{server.url}/_stcore/health").status == 200
            assert request.get(f"{server.url}/readyz").status in (200, 503)
        finally:
            context.close()
        assert_no_tracebacks(server)


def test_the_form_signs_in_to_a_deep_link_with_an_httponly_pass_and_sign_out_ends_it_in_every_tab(
    browser: Any, hardened_server: StreamlitServer, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    # A fresh server's first visit runs the app twice (pages/ hands over to the navigation): be patient.
    expect.set_options(timeout=STEP_MS)
    server = hardened_server
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(STEP_MS)
    try:
        page = context.new_page()
        page.goto(f"{server.url}{DEEP_LINK}")
        expect(page.get_by_role("heading", name="This app is private")).to_be_visible()
        page.get_by_label("Password", exact=True).fill("not the password")
        page.get_by_role("button", name="Enter").click()
        expect(page.get_by_text("That password is not right")).to_be_visible()
        assert PASSWORD not in page.content()

        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_label("Your name (optional)").fill("Ana")
        page.get_by_role("button", name="Enter").click()
        main = page.get_by_test_id("stMain")
        expect(main.get_by_role("heading", name="History")).to_be_visible()
        expect(main.get_by_label("Search")).to_have_value("lighthouse")
        expect(page.get_by_test_id("stTopNav")).to_be_visible()
        assert page.url == f"{server.url}{DEEP_LINK}"
        wait_until_idle(page)
        page.screenshot(path=str(artifacts / "gate-form-1-deep-link.png"), full_page=True)

        held = {cookie["name"]: cookie for cookie in context.cookies(server.url)}
        assert held["speak_access"]["httpOnly"] is True
        assert held["speak_access"]["sameSite"] == "Lax"
        assert PASSWORD not in held["speak_access"]["value"], "a signed pass, never the password"
        assert page.evaluate("document.cookie").find("speak_access") == -1, "no script can read the pass"

        # A typed URL in a second tab is a new session: the pass lets it in, with the name given.
        other = context.new_page()
        other.goto(f"{server.url}/")
        other_main = other.get_by_test_id("stMain")
        expect(other_main.get_by_text("Signed in as Ana, with the shared password.")).to_be_visible()
        assert context.request.get(f"{server.url}/media/0123456789abcdef.png").status == 404, "past the gate"

        # Signing out in the second tab (Home has the button) posts to /sign-out, which clears the cookie.
        other_main.get_by_role("button", name="Sign out").click()
        expect(other.get_by_role("heading", name="This app is private")).to_be_visible()
        assert urlsplit(other.url).path == "/sign-in"
        assert "speak_access" not in {cookie["name"] for cookie in context.cookies(server.url)}

        # The first tab's session opened with the pass; its next interaction finds it signed out.
        page.get_by_test_id("stTopNav").get_by_role("link", name="Create", exact=True).click()
        page.wait_for_url(f"{server.url}/sign-in?**")  # the page says so, then opens the form
        expect(page.get_by_role("heading", name="This app is private")).to_be_visible()
        expect(page.get_by_label("Password", exact=True)).to_be_visible()
        assert page.get_by_test_id("stApp").count() == 0
        page.screenshot(path=str(artifacts / "gate-form-2-first-tab-signed-out.png"), full_page=True)
    finally:
        context.close()
    assert_no_tracebacks(server)


@pytest.mark.postgres
def test_two_server_processes_on_one_database_check_at_most_ten_of_thirty_concurrent_wrong_guesses(
    artifacts: Path, postgres_url: str, tmp_path: Path
) -> None:
    env = app_environment({"APP_PASSWORD": PASSWORD, "DATABASE_URL": postgres_url}, tmp_path / "data")
    # Deployments migrate once before starting replicas, rather than letting them race for it.
    migrated = subprocess.run([sys.executable, "-m", "core", "migrate"], cwd=ROOT, env=env, capture_output=True)
    assert migrated.returncode == 0, migrated.stderr
    with ExitStack() as stack:
        servers = [
            stack.enter_context(running_streamlit(env, tmp_path / name, artifacts / f"streamlit-budget-{name}.log"))
            for name in ("a", "b")
        ]
        targets = [f"{servers[i % 2].url}/sign-in" for i in range(30)]
        with ThreadPoolExecutor(max_workers=30) as pool:
            answers = list(pool.map(lambda url: post_form(url, {"password": "guess", "next": "/"}), targets))

        statuses = sorted(status for status, _, _ in answers)
        checked = statuses.count(401)
        assert 1 <= checked <= 10 and statuses.count(429) == 30 - checked, statuses
        for status, headers, body in answers:
            if status == 429:
                assert int(headers["retry-after"]) >= 1 and "Too many wrong passwords" in body
        # Spent for this address (one client, 127.0.0.1): even the right password waits from it, on either process.
        right, headers, _ = post_form(f"{servers[1].url}/sign-in", {"password": PASSWORD, "next": "/"})
        assert right == 429 and int(headers["retry-after"]) >= 1
        for server in servers:
            assert_no_tracebacks(server)


def test_readyz_goes_from_503_to_200_with_no_page_view_as_the_models_load_at_start(
    artifacts: Path, tmp_path: Path, real_whisper_ct2_dir: Path, tiny_blip_dir: Path
) -> None:
    import time

    env = app_environment(
        {
            "SPEECH_ENGINE": "faster-whisper",
            "WHISPER_MODEL": str(real_whisper_ct2_dir),
            "CAPTION_ENGINE": "transformers",
            "CAPTION_MODEL": str(tiny_blip_dir),
            "MODEL_DEVICE": "cpu",
        },
        tmp_path / "data",
    )
    with running_streamlit(env, tmp_path / "app", artifacts / "streamlit-readyz.log") as server:
        seen: list[tuple[int, dict[str, Any]]] = []
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:  # HTTP only: no browser, so no page view and no script run
            try:
                with urllib.request.urlopen(f"{server.url}/readyz", timeout=10) as response:
                    seen.append((response.status, json.load(response)))
            except urllib.error.HTTPError as answer:
                seen.append((answer.code, json.load(answer)))
            if seen[-1][0] == 200:
                break
            time.sleep(0.2)
        first_status, first_body = seen[0]
        assert first_status == 503 and first_body["not_ready"], seen[0]
        assert set(first_body["parts"]) >= {"database", "storage", "speech_model", "caption_model", "embedding_model"}
        last_status, last_body = seen[-1]
        assert last_status == 200 and last_body["ready"] and not last_body["not_ready"], seen[-3:]
        assert last_body["parts"]["embedding_model"]["model"].endswith("model")  # named: the MiniLM folder
        assert_no_tracebacks(server)


def test_hardening_settings_hold_for_a_signed_in_visitor_xsrf_cors_agent_api_off_and_allowed_hosts(
    hardened_server: StreamlitServer,
) -> None:
    server = hardened_server
    status, headers, _ = post_form(f"{server.url}/sign-in", {"password": PASSWORD, "next": "/"})
    assert status == 303
    cookie = headers["set-cookie"].split(";", 1)[0]
    signed_in = {"Cookie": cookie}

    # Past the gate, Streamlit's own XSRF check still refuses an upload without its token.
    upload = urllib.request.Request(
        f"{server.url}/_stcore/upload_file/s/f", data=b"x" * 64, method="PUT", headers=signed_in
    )
    assert _status(upload) == 403
    # The agent API is off: even a signed-in caller cannot drive the script over HTTP.
    agent = urllib.request.Request(f"{server.url}/_stcore/agent/interact", data=b"{}", method="POST", headers=signed_in)
    assert _status(agent) == 403
    # CORS: another site's page gets no permission to read the app's answers.
    probe = urllib.request.Request(f"{server.url}/_stcore/health", headers={"Origin": "https://evil.example"})
    with urllib.request.urlopen(probe, timeout=10) as response:
        assert response.headers.get("Access-Control-Allow-Origin") in (None, server.url)

    # The pass opens the websocket on a named host, and a DNS-rebound host is refused.
    host = urlsplit(server.url).netloc
    for name, expected in ((host, "HTTP/1.1 101"), ("attacker.example", "HTTP/1.1 403")):
        handshake = raw_exchange(
            server,
            f"GET /_stcore/stream HTTP/1.1\r\nHost: {name}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            f"Cookie: {cookie}\r\n\r\n",
        )
        assert handshake.startswith(expected), (name, handshake)
    assert_no_tracebacks(server)


def _status(request: urllib.request.Request) -> int:
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as answer:
        return answer.code
