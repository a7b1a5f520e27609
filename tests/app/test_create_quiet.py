"""Quiet by default: Create shows one line per step, no model folders or setting names; Home folds its configuration."""

from __future__ import annotations

from tests.app.conftest import finish_runs, page
from tests.app.test_create_page import HOUSE, record


def every_text(at) -> str:
    """What the page shows or offers as help, in every element AppTest sees (inside expanders and popovers too)."""
    texts = [e.value for kind in ("markdown", "caption", "info", "warning", "error", "success") for e in at.get(kind)]
    texts += [e.proto.help for e in at.button] + [e.label for e in at.button] + [e.label for e in at.expander]
    texts += [str(e.value) for e in at.get("text")]
    return "\n".join(texts)


def test_create_names_no_model_folder_and_no_setting_and_keeps_details_folded(create_page_models, monkeypatch):
    import os

    at = page("pages/create.py", timeout=180).run()
    record(at, HOUSE)
    at.button(key="generate").click().run()
    finish_runs(at)

    assert not at.exception and not at.error
    shown = every_text(at)
    for folder in (os.environ["WHISPER_MODEL"], os.environ["CAPTION_MODEL"]):
        assert folder not in shown
    assert "PROMPT_TEMPLATE" not in shown and "REPLICATE_" not in shown
    details = [e for e in at.expander if e.label == "Details"]
    assert details and not any(e.proto.expanded for e in details)
    # The step times and the speech model are behind Details; the page itself says "transcribed" once, In use.
    folded = " ".join(c.value for e in details for c in e.caption)
    assert "✅ Transcribe" in folded and "Transcribed in" in folded
    outside = [c.value for c in at.caption if c.value not in folded and "ranscrib" in c.value]
    assert outside == [] or all(" · seed " in line for line in outside)  # a card's own Details popover


def test_home_folds_its_configuration(data_dir):
    at = page("Home.py").run()
    [configuration] = [e for e in at.expander if e.label == "Configuration"]
    assert configuration.proto.expanded is False
