"""Who gets in: Streamlit's login when [auth] is configured, else APP_PASSWORD, else everyone (and Home says so)."""

from __future__ import annotations

import re
import time

import pytest

from core.access.password import issue_pass, read_pass
from core.config.settings import Secret
from tests.app.conftest import page
from tests.app.shown_text import as_read

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-long-random-cookie-secret-for-tests",
    "client_id": "client",
    "client_secret": "client-secret",
    "server_metadata_url": "http://127.0.0.1:1/.well-known/openid-configuration",
}


@pytest.fixture
def home(data_dir):
    return page("Home.py")


def titles(at) -> list[str]:
    return [t.value for t in at.title]


def test_configured_login_replaces_the_password_and_shows_nothing_until_signed_in(home, monkeypatch):
    monkeypatch.setenv("APP_PASSWORD", "not-used-when-login-is-configured")
    home.secrets["auth"] = AUTH
    home.user = {"is_logged_in": False}
    home.run()
    assert not home.exception
    assert titles(home) == ["Sign in"]
    assert home.button(key="login").label == "Log in"
    assert not home.text_input  # no password box: the login flow is the only way in


def test_signed_in_user_sees_the_app_without_a_password(home, monkeypatch):
    monkeypatch.setenv("APP_PASSWORD", "not-used-when-login-is-configured")
    home.secrets["auth"] = AUTH
    home.user = {"is_logged_in": True, "email": "ana@example.com"}
    home.run()
    assert not home.exception
    assert "Speak an idea, get an image" in titles(home)
    assert any("Signed in as ana@example.com" in as_read(c.value) for c in home.caption)
    assert home.button(key="sign_out").label == "Sign out"
    assert "sign in with the identity provider" in " ".join(m.value for m in home.markdown)


def test_password_gate_lets_in_only_the_right_password(data_dir, monkeypatch):
    # Through a page script: AppTest loses form input on Home.py, which calls st.navigation before the
    # gate (the browser tests drive Home.py's form). Every page runs the same gate.
    home = page("pages/home.py")
    monkeypatch.setenv("APP_PASSWORD", "correct horse")
    home.run()
    assert titles(home) == ["This app is private"]
    home.text_input(key="access_password").input("wrong horse")
    home.button[0].click().run()
    assert titles(home) == ["This app is private"]
    assert any("not right" in e.value for e in home.error)
    home.text_input(key="access_password").input("correct horse")
    home.text_input(key="access_name").input("  Ana  ")
    home.button[0].click().run()
    assert "Speak an idea, get an image" in titles(home)
    assert home.session_state["_created_by"] == "Ana"  # saved with the images this session makes


def test_a_signed_in_user_is_saved_as_their_email(monkeypatch):
    from streamlit.testing.v1 import AppTest

    def script() -> None:
        import streamlit as st

        from ui.access.page_access import current_creator

        st.write(f"creator={current_creator()}")

    at = AppTest.from_function(script)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "email": "ana@example.com"}
    at.run()
    assert at.markdown[0].value == "creator=ana@example.com"


def test_open_app_says_so_on_home(home):
    home.run()
    assert "Speak an idea, get an image" in titles(home)
    assert "open to anyone" in " ".join(m.value for m in home.markdown).lower()


def _cookie_writes(at) -> list[str]:
    """The document.cookie assignments the page asks the browser to run."""
    return [html.proto.body for html in at.html if "document.cookie" in html.proto.body]


def _deployment_secret() -> bytes:
    """The secret this test's deployment (its database) signs passes with."""
    from core.app import process

    current = process.services_for(process.current_settings({}))
    process.migrate_once(current)
    return current.access.pass_secret()


def _issue(password: str, name: str | None, *, now: float) -> str:
    return issue_pass(Secret(password), name, secret=_deployment_secret(), now=now)


def _pass_in(body: str) -> str:
    found = re.search(r"speak_access=([A-Za-z0-9._-]+);", body)
    assert found, body
    return found.group(1)


def test_signing_in_with_the_password_hands_the_browser_a_pass_naming_the_visitor(data_dir, monkeypatch):
    monkeypatch.setenv("APP_PASSWORD", "correct horse")
    home = page("pages/home.py")
    home.run()
    assert not _cookie_writes(home)
    home.text_input(key="access_password").input("correct horse")
    home.text_input(key="access_name").input("Ana")
    home.button[0].click().run()
    writes = _cookie_writes(home)
    assert len(writes) == 1 and "Max-Age=43200" in writes[0]
    held = read_pass(_pass_in(writes[0]), Secret("correct horse"), secret=_deployment_secret(), now=time.time())
    assert held is not None and held.name == "Ana"
    home.run()
    assert not _cookie_writes(home), "written once, not on every rerun"


def _browser_sends(monkeypatch, cookies: dict[str, str]) -> None:
    # AppTest has no browser: stand in for the cookies a browser sends when its session opens.
    monkeypatch.setattr("ui.access.page_access.read_cookie", cookies.get)


def test_a_new_session_of_a_browser_holding_a_pass_skips_the_password(data_dir, monkeypatch):
    monkeypatch.setenv("APP_PASSWORD", "correct horse")
    _browser_sends(monkeypatch, {"speak_access": _issue("correct horse", "Ana", now=time.time())})
    home = page("pages/home.py")
    home.run()
    assert "Speak an idea, get an image" in titles(home)
    assert home.session_state["_created_by"] == "Ana"
    assert any("Signed in as Ana" in c.value for c in home.caption)


def test_a_pass_signed_out_elsewhere_asks_again_in_the_page_too(data_dir, monkeypatch):
    # Before the one policy, the in-page path read the pass without asking the ledger about sign-outs.
    from core.access import policy
    from core.app import process

    monkeypatch.setenv("APP_PASSWORD", "correct horse")
    token = _issue("correct horse", "Ana", now=time.time())
    current = process.services_for(process.current_settings({}))
    process.migrate_once(current)
    held = read_pass(token, Secret("correct horse"), secret=current.access.pass_secret(), now=time.time())
    assert held is not None
    policy.sign_out(held, current.access)
    _browser_sends(monkeypatch, {"speak_access": token})
    home = page("pages/home.py")
    home.run()
    assert titles(home) == ["This app is private"]


@pytest.mark.parametrize("held_with, issued_ago_s", [("old password", 0), ("correct horse", 13 * 3600)])
def test_a_pass_from_an_old_password_or_past_its_time_asks_again_and_is_deleted(
    data_dir, monkeypatch, held_with, issued_ago_s
):
    monkeypatch.setenv("APP_PASSWORD", "correct horse")
    token = _issue(held_with, "Ana", now=time.time() - issued_ago_s)
    _browser_sends(monkeypatch, {"speak_access": token})
    home = page("pages/home.py")
    home.run()
    assert titles(home) == ["This app is private"]
    assert any("speak_access=; Path=/; Max-Age=0" in body for body in _cookie_writes(home))


def test_signing_out_asks_for_the_password_again_even_though_the_browser_sent_a_pass(data_dir, monkeypatch):
    monkeypatch.setenv("APP_PASSWORD", "correct horse")
    _browser_sends(monkeypatch, {"speak_access": _issue("correct horse", None, now=time.time())})
    home = page("pages/home.py")
    home.run()
    assert any("Signed in with the shared password" in c.value for c in home.caption)
    home.button(key="sign_out").click().run()
    assert titles(home) == ["This app is private"]
    assert any("speak_access=; Path=/; Max-Age=0" in body for body in _cookie_writes(home))
    home.run()
    assert titles(home) == ["This app is private"], "the pass sent when the session opened no longer counts"


def test_an_open_app_offers_no_sign_out(home):
    home.run()
    assert not [b for b in home.button if b.key == "sign_out"]


def test_each_named_login_provider_gets_its_own_button(home):
    shared = {key: AUTH[key] for key in ("redirect_uri", "cookie_secret")}
    provider = {key: AUTH[key] for key in ("client_id", "client_secret", "server_metadata_url")}
    home.secrets["auth"] = {**shared, "google": provider, "microsoft-entra": provider}
    home.user = {"is_logged_in": False}
    home.run()
    assert not home.exception
    assert [b.label for b in home.button] == ["Log in with Google", "Log in with Microsoft Entra"]


def test_signing_out_deletes_the_pass_this_same_session_handed_out(data_dir, monkeypatch):
    monkeypatch.setenv("APP_PASSWORD", "correct horse")
    home = page("pages/home.py")
    home.run()  # the browser sent no pass: this session signs in, gets one, and signs out
    home.text_input(key="access_password").input("correct horse")
    home.button[0].click().run()
    assert any("speak_access=" in body and "Max-Age=43200" in body for body in _cookie_writes(home))
    home.button(key="sign_out").click().run()
    assert titles(home) == ["This app is private"]
    assert any("speak_access=; Path=/; Max-Age=0" in body for body in _cookie_writes(home))


def test_served_by_app_py_a_page_without_a_pass_sends_to_the_http_form_and_writes_no_cookie(data_dir, monkeypatch):
    from core.app import process

    monkeypatch.setattr(process, "_behind_http_gate", True)  # what app.py's lifespan says when its server starts
    monkeypatch.setenv("APP_PASSWORD", "correct horse")
    at = page("pages/history.py")
    at.query_params["q"] = "lighthouse"
    at.run()

    assert titles(at) == ["This app is private"]
    assert not at.text_input, "no password box in the page: the form is app.py's /sign-in"
    said = " ".join(m.value for m in at.markdown)
    # AppTest runs the page without Home.py's navigation, so its path is the root's; the query is kept.
    assert "(/sign-in?next=%2F%3Fq%3Dlighthouse)" in said
    scripts = " ".join(str(element.proto) for element in at.get("html"))
    assert "document.cookie" not in scripts and "window.location.assign" in scripts
