"""Status renders the typed health report, and a failing check becomes a message, not a crash."""

from __future__ import annotations

import pytest

from tests.app.conftest import page
from tests.app.shown_text import as_read


def run_checks():
    at = page("pages/status.py").run()
    return at.button(key="run_checks").click().run()


def test_status_shows_every_part_and_says_an_unset_token_is_not_configured(data_dir, monkeypatch) -> None:
    monkeypatch.setenv("WHISPER_MODEL", str(data_dir / "no-whisper"))
    monkeypatch.setenv("CAPTION_MODEL", str(data_dir / "no-blip"))

    at = run_checks()

    assert not at.exception
    shown = [m.value for m in at.markdown]
    for line in ("✅ **Database**", "✅ **Image storage**", "❌ **Speech model**", "❌ **Caption model**"):
        assert any(m.startswith(line) for m in shown), line
    assert "⚪ **Replicate**" in shown, "an unset token is said, not counted as a failure"
    assert at.error[0].value == "Some parts need attention: Speech model, Caption model"
    assert any("REPLICATE_API_TOKEN is not set" in t.value for t in at.text)


def test_a_bug_in_the_checks_is_one_message_through_ui_feedback(data_dir, monkeypatch: pytest.MonkeyPatch) -> None:
    from ui import feedback, status

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("internal detail that must not reach the page")

    monkeypatch.setattr(status, "check_all", broken)

    at = run_checks()

    assert not at.exception
    assert [as_read(e.value) for e in at.error] == [feedback.UNEXPECTED]
