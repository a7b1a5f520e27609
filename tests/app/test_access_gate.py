"""Who gets in: Streamlit's login when [auth] is configured, else APP_PASSWORD, else everyone (and Home says so)."""

from __future__ import annotations

import pytest

from tests.app.conftest import page

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

        from ui.gate import current_creator

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
