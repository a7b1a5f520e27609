"""Create as a studio, in Chromium at a desktop (1440x900) and a phone (390x844), light and dark.

Generate is in view without scrolling on an empty page, and after Generate the first image is in view
without the person scrolling to find it.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import app_environment, launched_browser, running_streamlit
from tests.e2e.test_browser import MODEL_STEP_MS, STEP_MS, wait_until_idle
from tests.fixtures.replicate_server import FakeReplicate

pytestmark = pytest.mark.e2e

SCREENS = {"desktop": (1440, 900), "phone": (390, 844)}


def in_view_share(box: dict[str, float] | None, viewport_height: int) -> float:
    """How much of an element's height is inside the viewport (0 to 1)."""
    if box is None or box["height"] <= 0:
        return 0.0
    visible = min(box["y"] + box["height"], viewport_height) - max(box["y"], 0.0)
    return max(0.0, visible) / box["height"]


def assert_touch_target(target: Any, name: str) -> None:
    """At least 44 x 44 px once the page has settled: the recorder's own stylesheet may land after its button is
    drawn (on a busy machine it was measured at 40 px first), so wait for the size and fail if it never comes."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    fits = "el => { const box = el.getBoundingClientRect(); return box.height >= 44 && box.width >= 44; }"
    try:
        target.page.wait_for_function(fits, arg=target.element_handle(), timeout=STEP_MS)
    except PlaywrightTimeout:
        raise AssertionError(f"{name}: {target.bounding_box()}") from None


@pytest.mark.slow
def test_generate_is_in_view_on_an_empty_page_and_the_first_result_after_it(
    chromium_executable: str, artifacts: Path, fake_replicate: FakeReplicate, tiny_blip_dir: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    env = app_environment(
        {
            "REPLICATE_API_TOKEN": fake_replicate.token,
            "REPLICATE_BASE_URL": fake_replicate.base_url,
            "CAPTION_MODEL": str(tiny_blip_dir),
            "WHISPER_MODEL": str(tmp_path / "no-speech-model-needed"),
            "PRELOAD_MODELS": "false",
            "MODEL_DEVICE": "cpu",
        },
        tmp_path / "data",
    )
    measured: dict[str, dict[str, float]] = {}
    with (
        running_streamlit(env, tmp_path / "app", artifacts / "streamlit-studio.log") as server,
        launched_browser(chromium_executable, None) as browser,
    ):
        for screen, (width, height) in SCREENS.items():
            for scheme in ("light", "dark"):
                name = f"{screen}-{scheme}"
                context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
                page = context.new_page()
                page.set_default_timeout(STEP_MS)
                try:
                    page.goto(f"{server.url}/create")
                    generate = page.get_by_role("button", name="Generate", exact=True)
                    expect(generate).to_be_visible()
                    wait_until_idle(page)
                    empty = generate.bounding_box()
                    assert page.evaluate("window.scrollY") == 0
                    assert in_view_share(empty, height) == 1.0, f"{name}: Generate at {empty} is below the fold"
                    if screen == "phone":  # touch targets of at least 44 px
                        for target in (generate, page.get_by_role("button", name="Record", exact=True)):
                            assert_touch_target(target, name)
                        # Stacked, the empty results area above Record takes a small gap, not the columns' large
                        # one: 64 px of nothing under the status line before, 16 px now.
                        status = (
                            page.get_by_test_id("stCaptionContainer").filter(has_text="Speech model:").bounding_box()
                        )
                        tabs = page.get_by_role("tablist").bounding_box()
                        assert status is not None and tabs is not None, name
                        gap = tabs["y"] - (status["y"] + status["height"])
                        assert gap <= 32, f"{name}: {gap:.0f} px between the model status line and Record"

                    prompt = page.get_by_role("textbox", name="Prompt")
                    prompt.fill(f"a red kite over the sea, {name}")
                    prompt.press("Control+Enter")
                    wait_until_idle(page)
                    started = page.evaluate("performance.now()")
                    generate.click()
                    # In the studio's results, not an earlier context's leftover under "Made but not saved".
                    image = page.locator(".st-key-studio [data-testid=stImage] img").first
                    expect(image).to_be_visible(timeout=MODEL_STEP_MS)
                    page.wait_for_function(
                        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle(), timeout=STEP_MS
                    )
                    first_image_ms = page.evaluate("performance.now()") - started
                    share = in_view_share(image.bounding_box(), height)
                    page_height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
                    measured[name] = {"share_in_view": share, "first_image_ms": first_image_ms, "page": page_height}
                    page.screenshot(path=str(artifacts / f"studio-{name}.png"))
                    assert share >= 0.5, f"{name}: only {share:.0%} of the first image is in view after Generate"
                except Exception:
                    with contextlib.suppress(Exception):
                        page.screenshot(path=str(artifacts / f"studio-{name}-failure.png"), full_page=True)
                    raise
                finally:
                    print(name, measured.get(name))
                    context.close()
