"""The password budget is one per client address, shared by its sessions: many sessions guessing gain nothing."""

from __future__ import annotations

import re

from tests.app.conftest import page

RIGHT = "correct horse"


def try_password(password: str):
    """A fresh session (a new browser tab, or a raw websocket client) typing one password."""
    # A page script rather than Home.py: AppTest loses form input on Home.py (see test_access_gate).
    at = page("pages/home.py").run()
    at.text_input(key="access_password").input(password)
    at.button[0].click().run()
    return at


def test_wrong_guesses_from_many_sessions_of_one_address_lock_out_all_of_them_and_say_how_long(data_dir, monkeypatch):
    monkeypatch.setenv("APP_PASSWORD", RIGHT)
    for n in range(10):
        guessed = try_password(f"guess {n}")
        assert any("not right" in e.value for e in guessed.error)

    attacker = try_password("guess 10")
    real_user = try_password(RIGHT)

    for at in (attacker, real_user):
        assert [t.value for t in at.title] == ["This app is private"]
        [message] = [e.value for e in at.error]
        wait = re.search(r"typed from your address\. Wait (\d+) seconds?, then type the password again\.", message)
        assert wait is not None and 0 < int(wait[1]) <= 300


def test_the_right_password_still_opens_the_app_within_the_budget(data_dir, monkeypatch):
    monkeypatch.setenv("APP_PASSWORD", RIGHT)
    for n in range(5):
        try_password(f"guess {n}")
    assert "Speak an idea, get an image" in [t.value for t in try_password(RIGHT).title]
