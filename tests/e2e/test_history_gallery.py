"""History in a real browser: the detail dialog, a bulk ZIP download, and filters that outlive a page switch."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

from core.app.services import build_services
from core.config.settings import load_settings
from tests.app.test_history_page import seed_records
from tests.e2e.conftest import app_environment, running_streamlit
from tests.e2e.test_browser import STEP_MS, assert_no_tracebacks, wait_until_idle

pytestmark = pytest.mark.e2e


def test_dialog_bulk_zip_and_kept_filters(
    browser: Any, artifacts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import expect

    # A fresh server's first visit runs the app twice (pages/ hands over to the navigation): be patient.
    expect.set_options(timeout=STEP_MS)

    data_dir = tmp_path / "data"
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    kite, boat, tower = seed_records(["a red kite", "a paper boat", "a stone tower"])
    env = app_environment({}, data_dir)
    with running_streamlit(env, tmp_path / "app", artifacts / "streamlit-history-gallery.log") as server:
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        context.set_default_timeout(STEP_MS)
        page = context.new_page()
        main = page.get_by_test_id("stMain")
        try:
            page.goto(f"{server.url}/history?view=gallery")
            expect(main.get_by_role("heading", name="History")).to_be_visible()
            wait_until_idle(page)

            # The detail opens over the results, not thousands of pixels below them.
            page.locator(f".st-key-history_open_{tower.id} button").click()
            dialog = page.get_by_role("dialog")
            expect(dialog.get_by_role("heading", name=f"Image #{tower.id}")).to_be_visible()
            box = dialog.bounding_box()
            assert box is not None and box["y"] < 1000
            dialog.get_by_role("button", name="Next ▶").click()
            expect(dialog.get_by_role("heading", name=f"Image #{boat.id}")).to_be_visible()
            page.screenshot(path=str(artifacts / "history-1-dialog.png"))
            page.keyboard.press("Escape")
            expect(page.get_by_role("dialog")).to_have_count(0)

            # Two cards selected: one ZIP of their images and records.csv.
            page.locator(f".st-key-history_pick_{tower.id} label").click()
            page.locator(f".st-key-history_pick_{kite.id} label").click()
            expect(main.get_by_text("2 selected")).to_be_visible()
            with page.expect_download() as download_info:
                main.get_by_role("button", name="ZIP").click()
            saved = tmp_path / "selected.zip"
            download_info.value.save_as(saved)
            with zipfile.ZipFile(saved) as archive:
                assert sorted(archive.namelist()) == sorted(
                    [f"image-{tower.id}.png", f"image-{kite.id}.png", "records.csv"]
                )
            page.screenshot(path=str(artifacts / "history-2-bulk.png"))

            # A filter survives a visit to another page.
            search = main.get_by_label("Search")
            search.fill("kite")
            search.press("Enter")
            expect(main.get_by_text("Showing 1–1 of 1")).to_be_visible()
            page.get_by_role("link", name="Status", exact=True).click()
            expect(main.get_by_role("heading", name="Status")).to_be_visible()
            page.get_by_role("link", name="History", exact=True).click()
            expect(main.get_by_label("Search")).to_have_value("kite")
            expect(main.get_by_text("Showing 1–1 of 1")).to_be_visible()
            assert "q=kite" in page.url
        finally:
            context.close()
        assert_no_tracebacks(server)


def test_every_repeated_tag_link_parameter_filters_in_any_order(
    browser: Any, artifacts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_MS)
    data_dir = tmp_path / "data"
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    poster, zoo, _untagged = seed_records(["a red poster", "a red poster at the zoo", "an untagged boat"])
    current = build_services(load_settings())
    current.records.add_tags(record_ids=[poster.id, zoo.id], tags=["poster"])
    current.records.add_tags(record_ids=[zoo.id], tags=["zzz"])
    current.database.dispose()
    env = app_environment({}, data_dir)
    with running_streamlit(env, tmp_path / "app", artifacts / "streamlit-history-tags.log") as server:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(STEP_MS)
        main = page.get_by_test_id("stMain")
        try:
            for query, shown in (
                ("tag=poster", 2),
                ("tag=poster&tag=zzz", 1),  # all must match, whichever comes first
                ("tag=zzz&tag=poster", 1),
                ("tag=poster&tag=nothing-has-this", 0),
            ):
                page.goto(f"{server.url}/history?{query}")
                expect(main.get_by_role("heading", name="History")).to_be_visible()
                wait_until_idle(page)
                if shown:
                    expect(main.get_by_text(f"Showing 1–{shown} of {shown}")).to_be_visible()
                else:
                    expect(main.get_by_text("No saved image matches these filters")).to_be_visible()
        finally:
            page.close()
        assert_no_tracebacks(server)


GALLERY_PASSWORD = "a gallery for the team"


def test_gallery_by_default_with_shift_range_selection_and_the_detail_toolbar_above_the_fold(
    browser: Any, artifacts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a fresh app.py with APP_PASSWORD, at 1440x900 and 390x844: gallery first, ranges, toolbar in view."""
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_MS)
    data_dir = tmp_path / "data"
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    records = seed_records([f"a lantern number {n}" for n in range(8)])
    newest_first = [record.id for record in reversed(records)]
    env = app_environment({"APP_PASSWORD": GALLERY_PASSWORD}, data_dir)
    with running_streamlit(env, tmp_path / "app", artifacts / "streamlit-history-default.log") as server:
        for name, width, height in (("desktop", 1440, 900), ("phone", 390, 844)):
            context = browser.new_context(viewport={"width": width, "height": height})
            context.set_default_timeout(STEP_MS)
            page = context.new_page()
            main = page.get_by_test_id("stMain")
            try:
                page.goto(f"{server.url}/history")
                page.get_by_label("Password", exact=True).fill(GALLERY_PASSWORD)
                page.get_by_role("button", name="Enter").click()
                expect(main.get_by_role("heading", name="History")).to_be_visible()
                wait_until_idle(page)

                # The gallery, not the table; filters folded; two cards side by side even on a phone.
                expect(page.locator(f".st-key-history_card_{newest_first[0]}")).to_be_visible()
                expect(main.get_by_test_id("stDataFrame")).to_have_count(0)
                # exact: the folded content mounts a moment later, and then "Help for Since" and the date's
                # "year, Since"… segments match a loose label too (a strict-mode error, not a visible field).
                expect(main.get_by_label("Since", exact=True)).to_be_hidden()
                expect(page.locator(".st-key-history_grid .history-grid")).to_have_css("display", "grid")
                first = page.locator(f".st-key-history_card_{newest_first[0]}").bounding_box()
                second = page.locator(f".st-key-history_card_{newest_first[1]}").bounding_box()
                assert first and second and abs(first["y"] - second["y"]) < 2 and second["x"] > first["x"]
                # :visible: Streamlit 1.67 draws a hidden copy of a button beside it (to measure its label).
                star = page.locator(f".st-key-history_star_{newest_first[0]} button:visible").bounding_box()
                assert star and star["width"] >= 44 and star["height"] >= 44
                page.screenshot(path=str(artifacts / f"history-default-{name}.png"))

                if name == "desktop":
                    # A check starts selecting; shift-click another selects everything between; the grid stays.
                    grid_top = page.locator(".st-key-history_grid").bounding_box()
                    page.locator(f".st-key-history_pick_{newest_first[1]} label").click()
                    expect(main.get_by_text("1 selected")).to_be_visible()
                    page.locator(f".st-key-history_pick_{newest_first[4]} label").click(modifiers=["Shift"])
                    expect(main.get_by_text("4 selected")).to_be_visible()
                    for record_id in newest_first:
                        box = page.locator(f".st-key-history_pick_{record_id} input")
                        in_range = record_id in newest_first[1:5]
                        (expect(box).to_be_checked if in_range else expect(box).not_to_be_checked)()
                    assert page.locator(".st-key-history_grid").bounding_box() == grid_top
                    page.screenshot(path=str(artifacts / "history-default-range.png"))
                    main.get_by_role("button", name="Clear").click()
                    expect(main.get_by_text("Tick cards")).to_be_visible()

                # The detail's toolbar sits on the image, inside the first screen.
                page.locator(f".st-key-history_open_{newest_first[0]} button").click()
                dialog = page.get_by_role("dialog")
                expect(dialog.get_by_role("heading", name=f"Image #{newest_first[0]}")).to_be_visible()
                toolbar = dialog.locator(".st-key-history_detail_toolbar")
                for label in ("Download", "Reuse on Create", "Change this image", "Star", "Tag", "Compare", "Delete…"):
                    button = toolbar.get_by_role("button", name=label)
                    expect(button).to_be_visible()
                    box = button.bounding_box()
                    assert box and box["y"] + box["height"] <= height, f"{label} is below the fold on the {name}"
                wait_until_idle(page)
                page.screenshot(path=str(artifacts / f"history-default-detail-{name}.png"))
            finally:
                context.close()
        assert_no_tracebacks(server)


def _luminance(colour: str) -> float:
    """Relative luminance (WCAG) of a computed `rgb(r, g, b)` or `color(srgb r g b / a)` colour."""
    numbers = [float(n) for n in re.findall(r"[\d.]+", colour)[:3]]
    channels = [n / 255 for n in numbers] if colour.startswith("rgb") else numbers
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(one: str, other: str) -> float:
    high, low = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_bulk_bar_is_one_row_compare_is_side_by_side_and_the_selected_outline_shows_in_light_and_dark(
    browser: Any, artifacts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At 390x844 and 1440x900, light and dark: the bar keeps one row, the grid stays put, outlines stand out."""
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_MS)
    data_dir = tmp_path / "data"
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    records = seed_records([f"a lighthouse number {n} on a windy cape" for n in range(6)])
    newest, second = records[-1].id, records[-2].id
    env = app_environment({}, data_dir)
    with running_streamlit(env, tmp_path / "app", artifacts / "streamlit-history-phone.log") as server:
        for scheme in ("light", "dark"):
            for name, width, height in (("phone", 390, 844), ("desktop", 1440, 900)):
                context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
                context.set_default_timeout(STEP_MS)
                page = context.new_page()
                main = page.get_by_test_id("stMain")
                try:
                    page.goto(f"{server.url}/history")
                    expect(page.locator(f".st-key-history_card_{newest}")).to_be_visible()
                    wait_until_idle(page)
                    bar = page.locator(".st-key-history_selection_bar")
                    grid = page.locator(".st-key-history_grid")
                    empty_bar, grid_top = bar.bounding_box(), grid.bounding_box()

                    page.locator(f".st-key-history_pick_{newest} label").click()
                    expect(main.get_by_text("1 selected")).to_be_visible()
                    page.locator(f".st-key-history_pick_{second} label").click()
                    expect(main.get_by_text("2 selected")).to_be_visible()
                    wait_until_idle(page)

                    # One row: every action shows, at one height, in a bar no taller than it was empty.
                    box = bar.bounding_box()
                    assert box and empty_bar and abs(box["height"] - empty_bar["height"]) < 1, name
                    buttons = [b for b in bar.get_by_role("button").all() if b.is_visible()]
                    tops = {round(b.bounding_box()["y"]) for b in buttons}  # type: ignore[index]
                    assert len(buttons) >= 6 and max(tops) - min(tops) <= 2, f"{name}: the bar wraps"
                    assert box["height"] < 2 * 40 and box["x"] + box["width"] <= width, f"{name}: {box}"
                    for label in ("Star", "Tag", "ZIP", "Delete…", "Compare 2", "Clear"):
                        expect(bar.get_by_role("button", name=label)).to_be_visible()  # named, icons or not
                    assert grid.bounding_box() == grid_top, "selecting moved the grid"

                    # The outline is the theme's primary colour, which stands out on this theme's background.
                    card = page.locator(f".st-key-history_card_{newest}")
                    outline = card.evaluate("e => getComputedStyle(e).outlineColor")
                    style = card.evaluate(
                        "e => getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).outlineWidth"
                    )
                    background = page.get_by_test_id("stApp").evaluate("e => getComputedStyle(e).backgroundColor")
                    assert style == "solid 3px" and _contrast(outline, background) >= 3, (scheme, outline, background)
                    page.screenshot(path=str(artifacts / f"history-bar-{name}-{scheme}.png"))

                    if name == "phone":
                        bar.get_by_role("button", name="Compare 2").click()
                        expect(main.get_by_role("heading", name="Compare")).to_be_visible()
                        images = page.locator(".st-key-history_compare_images [data-testid=stImage] img")
                        expect(images).to_have_count(2)
                        first, other = images.nth(0).bounding_box(), images.nth(1).bounding_box()
                        assert first and other and abs(first["y"] - other["y"]) < 2 and other["x"] > first["x"]
                        assert first["width"] >= 120 and abs(first["width"] - other["width"]) < 2
                        page.screenshot(path=str(artifacts / f"history-compare-phone-{scheme}.png"))
                finally:
                    context.close()
        assert_no_tracebacks(server)
