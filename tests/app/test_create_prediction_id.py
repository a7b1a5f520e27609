"""A result's Details name the Replicate prediction that made it (what was paid for, for support)."""

from __future__ import annotations

import pytest

from tests.app.conftest import finish_runs, page


@pytest.fixture
def remote(data_dir, fake_replicate, monkeypatch):
    """Remote captions on the embedded defaults: no model loads, the fake Replicate answers."""
    monkeypatch.setenv("REPLICATE_API_TOKEN", fake_replicate.token)
    monkeypatch.setenv("REPLICATE_BASE_URL", fake_replicate.base_url)
    monkeypatch.setenv("CAPTION_ENGINE", "replicate")
    monkeypatch.setenv("SPEECH_ENGINE", "replicate")
    monkeypatch.setenv("PRELOAD_MODELS", "false")
    return fake_replicate


def test_each_results_details_name_the_prediction_that_drew_it(remote):
    at = page("pages/create.py").run()
    at.text_area(key="prompt").set_value("two lighthouses").run()
    at.slider(key="num_outputs").set_value(2).run()
    at.button(key="generate").click().run()
    finish_runs(at)

    assert not at.exception and not at.error
    drawn = sorted(p.id for p in remote.predictions.values() if p.model == "black-forest-labs/flux-schnell")
    named = [c.value for c in at.caption if c.value.startswith("Replicate prediction ")]
    assert sorted(line.removeprefix("Replicate prediction ") for line in named) == drawn
    assert len(drawn) == 2
