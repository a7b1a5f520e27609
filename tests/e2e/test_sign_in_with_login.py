"""Streamlit's own login (`st.login`, an `[auth]` secrets section) signs a visitor in, end to end, in Chromium.

The identity provider is `tests.fixtures.oidc`: a real OpenID Connect provider on loopback, so the browser
really goes to its authorization endpoint and Streamlit really exchanges the code, checks PKCE, the nonce and
the RS256 ID token against its JWKS, and sets its identity cookie.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ARTIFACTS, StreamlitServer, app_environment, running_streamlit
from tests.e2e.test_browser import STEP_MS, assert_no_tracebacks, wait_for_script_cookie, wait_until_idle
from tests.fixtures.oidc import FakeOidcProvider
from tests.fixtures.ports import free_port

pytestmark = pytest.mark.e2e

EMAIL = "ana@example.com"
NAME = "Ana"
CLIENT_ID = "speak-an-image-e2e"


def auth_secrets(
    *, redirect_uri: str, client_id: str, client_secret: str, server_metadata_url: str, provider: str | None
) -> str:
    """The `[auth]` section of a secrets file: the default provider, or a named `[auth.<provider>]`."""
    shared = {"redirect_uri": redirect_uri, "cookie_secret": secrets.token_urlsafe(32)}
    client = {"client_id": client_id, "client_secret": client_secret, "server_metadata_url": server_metadata_url}

    # Every value is URL-safe text, so TOML basic strings need no escaping.
    def section(header: str, values: dict[str, str]) -> str:
        return f"[{header}]\n" + "".join(f'{key} = "{value}"\n' for key, value in values.items())

    if provider is None:
        return section("auth", shared | client)
    return section("auth", shared) + section(f"auth.{provider}", client)


@dataclass
class LoginServer:
    server: StreamlitServer
    provider: FakeOidcProvider
    redirect_uri: str


@dataclass
class SignInApp:
    server: StreamlitServer
    provider: FakeOidcProvider
    redirect_uri: str
    context: Any  # a Playwright BrowserContext: one browser profile, its cookies shared by its tabs
    page: Any
    navigations: list[str]  # every top-level navigation of the page, redirects included


@contextmanager
def server_behind_login(
    artifacts: Path, folder: Path, name: str, *, provider_name: str | None = None
) -> Iterator[LoginServer]:
    """A fresh `streamlit run` whose `[auth]` points at a fake OIDC provider."""
    port = free_port()
    server_url = f"http://127.0.0.1:{port}"
    redirect_uri = f"{server_url}/oauth2callback"
    with FakeOidcProvider(email=EMAIL, name=NAME, client_id=CLIENT_ID, redirect_uris=[redirect_uri]) as provider:
        secrets_file = folder / "secrets.toml"
        folder.mkdir(parents=True, exist_ok=True)
        secrets_file.write_text(
            auth_secrets(
                redirect_uri=redirect_uri,
                client_id=provider.client_id,
                client_secret=provider.client_secret,
                server_metadata_url=provider.metadata_url,
                provider=provider_name,
            )
        )
        env = app_environment({}, folder / "data")
        log = artifacts / f"streamlit-{name}.log"
        with running_streamlit(env, folder / "app", log, secrets_file=secrets_file, port=port) as server:
            yield LoginServer(server, provider, redirect_uri)


@pytest.fixture(scope="module")
def login_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoginServer]:
    """The default provider's server, shared: each test signs in from a browser profile of its own."""
    with server_behind_login(ARTIFACTS, tmp_path_factory.mktemp("login"), "sign-in-login") as login:
        yield login


@contextmanager
def signed_out_tab(browser: Any, login: LoginServer) -> Iterator[SignInApp]:
    """A new browser profile (no cookie) with one tab on the app; the provider counts this test's requests only."""
    login.provider.forget_requests()
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(STEP_MS)
    page = context.new_page()
    navigations: list[str] = []
    page.on("request", lambda request: _record_navigation(request, page, navigations))
    try:
        yield SignInApp(login.server, login.provider, login.redirect_uri, context, page, navigations)
    finally:
        context.close()
    assert_no_tracebacks(login.server)
    assert login.provider.rejections == []


def sign_in_from(app: SignInApp, path: str, button: str = "Log in") -> Any:
    """Open `path` signed out, see only the sign-in page, and press `button`; returns the main area."""
    from playwright.sync_api import expect

    # A fresh server's first visit runs the app twice (pages/ hands over to the navigation): be patient.
    expect.set_options(timeout=STEP_MS)
    app.page.goto(f"{app.server.url}{path}")
    main = app.page.get_by_test_id("stMain")
    expect(main.get_by_role("heading", name="Sign in")).to_be_visible()
    assert app.page.get_by_test_id("stTopNav").count() == 0, "no navigation before signing in"
    main.get_by_role("button", name=button).click()
    return main


def test_log_in_button_signs_in_through_the_oidc_provider_and_lands_on_home_with_navigation(
    browser: Any, login_server: LoginServer, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    with signed_out_tab(browser, login_server) as app:
        main = sign_in_from(app, "/")
        expect(main.get_by_role("heading", name="Speak an idea, get an image")).to_be_visible()
        expect(app.page.get_by_test_id("stTopNav")).to_be_visible()
        # The address is user text: an invisible word joiner after "@" keeps markdown from linking it.
        expect(main.get_by_text(re.compile(r"Signed in as ana@\u2060?example\.com\."))).to_be_visible()
        main.get_by_text("Configuration", exact=True).click()  # folded by default: it is for whoever runs the app
        expect(main.get_by_text("visitors sign in with the identity provider")).to_be_visible()
        wait_until_idle(app.page)
        app.page.screenshot(path=str(artifacts / "sign-in-login-1-home.png"), full_page=True)

        trail = "\n".join(app.navigations)
        assert app.page.url.rstrip("/") == app.server.url, trail
        assert any(url.startswith(f"{app.server.url}/auth/login?provider=") for url in app.navigations), trail
        assert any(url.startswith(f"{app.provider.issuer}/authorize?") for url in app.navigations), trail
        assert any(url.startswith(f"{app.redirect_uri}?code=") for url in app.navigations), trail
        cookies = {cookie["name"]: cookie for cookie in app.context.cookies(app.server.url)}
        assert cookies["_streamlit_user"]["httpOnly"], cookies.keys()
        assert "speak_return_to" not in cookies, "the root needs no return address"

    provider = app.provider
    assert len(provider.authorize_requests) == 1, provider.authorize_requests
    authorize = provider.authorize_requests[0]
    assert authorize["client_id"] == CLIENT_ID
    assert authorize["redirect_uri"] == app.redirect_uri
    assert authorize["response_type"] == "code"
    assert set(authorize["scope"].split()) == {"openid", "email", "profile"}
    assert authorize.get("nonce") and authorize.get("state")
    assert authorize.get("code_challenge") and authorize.get("code_challenge_method") == "S256"
    assert provider.tokens_issued == 1


def test_signing_in_on_a_shared_link_lands_on_that_page_with_its_query(
    browser: Any, login_server: LoginServer, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    with signed_out_tab(browser, login_server) as app:
        main = sign_in_from(app, "/history?q=lighthouse&view=gallery")
        expect(main.get_by_role("heading", name="History")).to_be_visible()
        expect(main.get_by_label("Search")).to_have_value("lighthouse")
        expect(app.page.get_by_test_id("stTopNav")).to_be_visible()
        wait_until_idle(app.page)
        app.page.screenshot(path=str(artifacts / "sign-in-login-2-deep-link.png"), full_page=True)
        assert "/history" in app.page.url and "q=lighthouse" in app.page.url and "view=gallery" in app.page.url
        trail = "\n".join(app.navigations)
        assert any(url.startswith(f"{app.redirect_uri}?code=") for url in app.navigations), trail

        # Used once: the return address is gone, so opening the root later stays on Home.
        wait_for_script_cookie(app.page, "speak_return_to", held=False)
        assert "speak_return_to" not in {cookie["name"] for cookie in app.context.cookies(app.server.url)}
        app.page.goto(f"{app.server.url}/")
        expect(main.get_by_role("heading", name="Speak an idea, get an image")).to_be_visible()
        wait_until_idle(app.page)
        assert app.page.url.rstrip("/") == app.server.url
        expect(main.get_by_role("heading", name="History")).to_have_count(0)
        assert app.provider.tokens_issued == 1, "still signed in: no second trip to the provider"


def test_a_named_provider_signs_in_from_its_own_button_and_returns_to_the_page(
    browser: Any, artifacts: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    with (
        server_behind_login(artifacts, tmp_path, "sign-in-login-named", provider_name="company-sso") as login,
        signed_out_tab(browser, login) as app,
    ):
        main = sign_in_from(app, "/status", button="Log in with Company Sso")
        expect(main.get_by_role("heading", name="Status")).to_be_visible()
        wait_until_idle(app.page)
        assert app.page.url.rstrip("/").endswith("/status")
        assert app.provider.tokens_issued == 1


def test_without_streamlits_login_cookie_uploads_media_and_the_agent_api_answer_401_and_with_it_they_open(
    browser: Any, login_server: LoginServer
) -> None:
    from playwright.sync_api import expect

    with signed_out_tab(browser, login_server) as app:
        url = app.server.url
        stranger = app.context.request
        assert stranger.put(f"{url}/_stcore/upload_file/s/f", data=b"x" * 1024).status == 401
        assert stranger.get(f"{url}/media/0123456789abcdef.png").status == 401
        assert stranger.post(f"{url}/_stcore/agent/interact", data="{}").status == 401
        # A forged cookie (not signed with Streamlit's secret) is no login.
        forged = {"Cookie": '_streamlit_user={"email": "eve@example.com"}'}
        assert stranger.get(f"{url}/media/0123456789abcdef.png", headers=forged).status == 401
        assert stranger.get(f"{url}/_stcore/health").status == 200

        main = sign_in_from(app, "/")
        expect(main.get_by_role("heading", name="Speak an idea, get an image")).to_be_visible()
        wait_until_idle(app.page)
        # The same browser, now holding the signed login cookie: media is Streamlit's to answer (no such file).
        assert _status_of_get(app.context.request, f"{url}/media/0123456789abcdef.png") == 404
        upload = app.context.request.put(f"{url}/_stcore/upload_file/s/f", data=b"x" * 1024)
        assert upload.status == 403, "past the gate, Streamlit's XSRF check refuses an upload without its token"


def _status_of_get(request: Any, url: str) -> int:
    """A GET's status; once more if the reused keep-alive connection was reset (uvicorn closes idle ones after 5 s)."""
    from playwright.sync_api import Error

    try:
        return int(request.get(url).status)
    except Error as exc:
        if "ECONNRESET" not in str(exc):
            raise
        return int(request.get(url).status)


def _record_navigation(request: Any, page: Any, navigations: list[str]) -> None:
    if request.is_navigation_request() and request.frame == page.main_frame:
        navigations.append(request.url)
