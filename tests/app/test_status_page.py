"""Status renders the typed health report, and a failing check becomes a message, not a crash."""

from __future__ import annotations

import pytest

from core.app import meaning
from core.app.services import build_services
from core.config.settings import load_settings
from core.domain.ports import Embedder
from tests.app.conftest import page
from tests.app.shown_text import as_read
from tests.app.test_history_page import seed_records
from tests.fixtures.embedding import minilm_folder


def run_checks():
    at = page("pages/status.py").run()
    return at.button(key="run_checks").click().run()


def test_status_shows_every_part_and_says_an_unset_token_is_not_configured(data_dir, monkeypatch) -> None:
    monkeypatch.setenv("WHISPER_MODEL", str(data_dir / "no-whisper"))
    monkeypatch.setenv("CAPTION_MODEL", str(data_dir / "no-blip"))
    monkeypatch.setenv("EMBEDDING_MODEL", str(data_dir / "no-minilm"))

    at = run_checks()

    assert not at.exception
    shown = [m.value for m in at.markdown]
    models = ("❌ **Speech model**", "❌ **Caption model**", "❌ **Embedding model**")
    for line in ("✅ **Database**", "✅ **Image storage**", *models):
        assert any(m.startswith(line) for m in shown), line
    assert "⚪ **Replicate**" in shown, "an unset token is said, not counted as a failure"
    assert at.error[0].value == "Some parts need attention: Speech model, Caption model, Embedding model"
    assert any("REPLICATE_API_TOKEN is not set" in t.value for t in at.text)


def test_a_bug_in_the_checks_is_one_message_through_ui_feedback(data_dir, monkeypatch: pytest.MonkeyPatch) -> None:
    from ui import feedback, status

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("internal detail that must not reach the page")

    monkeypatch.setattr(status, "check_all", broken)

    at = run_checks()

    assert not at.exception
    assert [as_read(e.value) for e in at.error] == [feedback.UNEXPECTED]


def test_status_follows_a_reindex_run_by_another_process_with_done_of_total(
    data_dir, monkeypatch: pytest.MonkeyPatch, minilm_embedder: Embedder
) -> None:
    monkeypatch.setenv("EMBEDDING_MODEL", str(minilm_folder()))
    seed_records([f"a paper boat number {n} on a pond" for n in range(5)])
    at = page("pages/status.py").run()
    assert not at.exception
    assert at.get("progress")[0].proto.text == f"Search vectors for {minilm_folder()}: 0 of 5 records"
    assert any("`python -m core reindex` embeds them" in caption.value for caption in at.caption)

    # A reindex elsewhere: its own services and connections, as `python -m core reindex` would have.
    elsewhere = build_services(load_settings())
    progress = meaning.reindex(elsewhere.vectors, minilm_embedder, batch=2)
    next(progress)
    at.run()  # what the fragment's timer does every VECTORS_REFRESH_S
    assert at.get("progress")[0].proto.text.endswith("2 of 5 records")
    list(progress)
    elsewhere.database.dispose()
    at.run()
    assert not at.get("progress") and any("all 5 records have their vector" in c.value for c in at.caption)
