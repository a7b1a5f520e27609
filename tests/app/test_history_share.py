"""History's Share panel in AppTest: make a link from the detail and the compare view, see its views, revoke it."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.app import sharing
from core.app.services import build_services
from core.config.settings import load_settings
from tests.app.conftest import page
from tests.app.test_history_page import HISTORY, seed_records

APP_URL = "https://images.example.com"


@pytest.fixture
def with_app_url(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("APP_URL", APP_URL)
    return data_dir


def test_the_detail_makes_a_link_from_app_url_lists_it_with_views_and_revokes_it(with_app_url: Path) -> None:
    kite, _boat = seed_records(["a red kite", "a boat"])
    at = page(HISTORY)
    at.session_state["history_open_id"] = kite.id
    at.run()

    at.selectbox(key="history_share_expiry").set_value("1d")
    at.button(key="history_share_create").click().run()

    assert not at.exception and not at.error
    (shown,) = [code.value for code in at.code if "/s/" in code.value]
    assert shown.startswith(f"{APP_URL}/s/")
    shares = build_services(load_settings()).shares
    opened = sharing.open_link(shares, build_services(load_settings()).records, shown.rsplit("/", 1)[1])
    assert isinstance(opened, sharing.SharedImages) and [r.id for r in opened.records] == [kite.id]
    sharing.count_view(shares, shown.rsplit("/", 1)[1])
    (link,) = sharing.live_links(shares)
    at.run()
    assert any(f"#{kite.id} · 1 view · until" in caption.value for caption in at.caption)

    at.button(key=f"history_share_revoke_{link.link_id}").click().run()
    assert sharing.live_links(shares) == []
    assert any("No live links show this image." in caption.value for caption in at.caption)


def test_the_compare_view_shares_exactly_its_set(with_app_url: Path) -> None:
    kite, _boat, tower = seed_records(["a red kite", "a boat", "a tower"])
    at = page(HISTORY)
    at.query_params["compare"] = f"{tower.id},{kite.id}"
    at.run()

    at.button(key="history_compare_share_create").click().run()

    assert not at.exception and not at.error
    (link,) = sharing.live_links(build_services(load_settings()).shares)
    assert link.record_ids == (tower.id, kite.id)
    assert any(f"#{tower.id}, #{kite.id} · 0 views" in caption.value for caption in at.caption)
