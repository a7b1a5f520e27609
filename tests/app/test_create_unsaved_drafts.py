"""Create's "Made but not saved": drafts a closed tab left behind are offered with Save and Discard."""

from __future__ import annotations

import pytest

from core.app.services import build_services
from core.config.settings import load_settings
from core.domain.ports import GenerationRequest
from core.domain.records import HistoryQuery
from tests.app.conftest import finish_runs, page

SECTION = "Made but not saved"


@pytest.fixture
def remote(data_dir, fake_replicate, monkeypatch):
    """Remote captions on the embedded defaults: no model loads, the fake Replicate answers."""
    monkeypatch.setenv("REPLICATE_API_TOKEN", fake_replicate.token)
    monkeypatch.setenv("REPLICATE_BASE_URL", fake_replicate.base_url)
    monkeypatch.setenv("CAPTION_ENGINE", "replicate")
    monkeypatch.setenv("SPEECH_ENGINE", "replicate")
    monkeypatch.setenv("PRELOAD_MODELS", "false")
    return fake_replicate


def save_buttons(at) -> list[str]:
    return [b.key for b in at.button if b.key and b.key.startswith("unsaved_save_")]


def test_drafts_of_a_closed_tab_are_offered_newest_first_and_save_and_discard_them(remote):
    services = build_services(load_settings())
    # Another session generated two images and was closed before saving either.
    older, newer = services.pipeline.generate(GenerationRequest(prompt="a kite left behind", num_outputs=2, seed=5))

    at = page("pages/create.py").run()
    assert not at.exception
    assert SECTION in [h.value for h in at.subheader]
    assert save_buttons(at) == [f"unsaved_save_{newer.draft_id}", f"unsaved_save_{older.draft_id}"]

    at.button(key=f"unsaved_save_{older.draft_id}").click().run()
    [record] = services.records.search(query=HistoryQuery()).records
    assert any(f"Saved as #{record.id}" in s.value for s in at.success)
    assert record.image_filename == older.image_key and record.seed == 5 and record.description
    assert save_buttons(at) == [f"unsaved_save_{newer.draft_id}"]

    at.button(key=f"unsaved_discard_{newer.draft_id}").click().run()
    assert save_buttons(at) == [] and services.drafts is not None and services.drafts.list_drafts() == []
    assert not services.store.exists(newer.image_key)
    assert SECTION not in [h.value for h in at.run().subheader]


def test_a_result_of_this_session_is_shown_once_and_its_discard_deletes_its_draft(remote):
    at = page("pages/create.py").run()
    at.text_area(key="prompt").set_value("a kite on the beach").run()
    at.button(key="generate").click().run()
    finish_runs(at)
    [draft] = at.session_state["_runs"][0].drafts
    services = build_services(load_settings())
    assert draft.draft_id is not None and [d.id for d in services.drafts.list_drafts()] == [draft.draft_id]
    assert SECTION not in [h.value for h in at.subheader]  # it is among the results already

    at.button(key=f"discard_{at.session_state['_runs'][0].id[:8]}_0").click().run()

    assert services.drafts.list_drafts() == [] and not services.store.exists(draft.image_key)
    assert SECTION not in [h.value for h in at.subheader]
