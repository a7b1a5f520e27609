"""Create and the sign-in page as people see them: Chromium at 1440x900 and 390x844, light and dark.

One `streamlit run app.py` behind the password gate, every model on the fake Replicate. Colours are read
from the computed styles (the colour a person sees behind an element is the first opaque background up
its ancestors); positions from the layout, the page not scrolled by the test.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import IDLE, app_environment, choose_number_of_images, launched_browser, running_streamlit
from tests.e2e.test_studio_layout import assert_touch_target
from tests.fixtures.replicate_server import start_fake_replicate

pytestmark = pytest.mark.e2e

SCREENS = {"desktop": (1440, 900), "phone": (390, 844)}
SCHEMES = ("light", "dark")
PASSWORD = "studio screens password"
STEP_MS = 60_000
TOUCH_PX = 44
MAIN = "[data-testid=stMain]"
STUDIO_IMAGE = ".st-key-studio [data-testid=stImage] img"
SETTLED_MS = 1500  # a new run's results are kept in view until a second after its first image (ui/create/studio.py)

# The text colour of an element and the first opaque background behind it.
COLOURS = """el => {
  let behind = el;
  while (behind && /rgba\\(.*, 0\\)|transparent/.test(getComputedStyle(behind).backgroundColor)) {
    behind = behind.parentElement;
  }
  return [getComputedStyle(el).color, behind ? getComputedStyle(behind).backgroundColor : "rgb(255, 255, 255)"];
}"""


def luminance(colour: str) -> float:
    """WCAG relative luminance of a CSS `rgb()`/`rgba()` colour (0 black, 1 white)."""
    red, green, blue = (int(part) / 255 for part in re.findall(r"[\d.]+", colour)[:3])

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(text: str, background: str) -> float:
    """WCAG contrast ratio of two CSS colours (1 to 21)."""
    light, dark = sorted((luminance(text), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def in_view_share(box: dict[str, float] | None, viewport_height: int) -> float:
    """How much of an element's height is inside the viewport (0 to 1)."""
    if box is None or box["height"] <= 0:
        return 0.0
    visible = min(box["y"] + box["height"], viewport_height) - max(box["y"], 0.0)
    return max(0.0, visible) / box["height"]


def assert_scheme(what: str, colours: list[str], scheme: str) -> None:
    text, background = colours
    if scheme == "dark":
        assert luminance(background) < 0.05 and luminance(text) > 0.5, f"{what} in dark: {text} on {background}"
    else:
        assert luminance(background) > 0.8 and luminance(text) < 0.1, f"{what} in light: {text} on {background}"
    assert contrast(text, background) >= 4.5, f"{what} ({scheme}): {text} on {background}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, chromium_executable: str) -> Iterator[Any]:
    fake, fake_server = start_fake_replicate()
    folder = tmp_path_factory.mktemp("studio-screens")
    env = app_environment(
        {
            "APP_PASSWORD": PASSWORD,
            "REPLICATE_API_TOKEN": fake.token,
            "REPLICATE_BASE_URL": fake.base_url,
            "SPEECH_ENGINE": "replicate",
            "CAPTION_ENGINE": "replicate",
        },
        folder / "data",
    )
    try:
        with running_streamlit(env, folder / "app", folder / "streamlit.log") as running:
            yield running
    finally:
        fake_server.shutdown()
        fake_server.server_close()


@pytest.fixture(scope="module")
def browser(chromium_executable: str) -> Iterator[Any]:
    with launched_browser(chromium_executable, None) as launched:
        yield launched


@contextlib.contextmanager
def signed_in(browser: Any, server: Any, artifacts: Path, screen: str, scheme: str) -> Iterator[Any]:
    """A new session at this size and scheme, past the password form, on an empty Create page."""
    width, height = SCREENS[screen]
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    page = context.new_page()
    page.set_default_timeout(STEP_MS)
    try:
        page.goto(f"{server.url}/sign-in?next=/create")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Enter").click()
        page.wait_for_url(f"{server.url}/create")
        page.get_by_role("button", name="Generate", exact=True).wait_for()
        page.locator(IDLE).wait_for()
        yield page
    except Exception:
        with contextlib.suppress(Exception):
            page.screenshot(path=str(artifacts / f"studio-screens-{screen}-{scheme}-failure.png"), full_page=True)
        raise
    finally:
        context.close()


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("scheme", SCHEMES)
def test_sign_in_page_follows_the_browsers_colour_scheme(browser: Any, server: Any, screen: str, scheme: str) -> None:
    width, height = SCREENS[screen]
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(f"{server.url}/sign-in")
        assert_scheme("the sign-in text", page.locator("h1").evaluate(COLOURS), scheme)
        password = page.get_by_label("Password", exact=True)
        text, field = password.evaluate(COLOURS)
        assert contrast(text, field) >= 4.5, f"password field ({scheme}): {text} on {field}"
        enter = page.get_by_role("button", name="Enter")
        text, button = enter.evaluate("el => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]")
        assert contrast(text, button) >= 4.5, f"Enter ({scheme}): {text} on {button}"
        for target in (password, enter):
            box = target.bounding_box()
            assert box is not None and box["height"] >= TOUCH_PX, f"{screen}: {box}"
    finally:
        context.close()


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("scheme", SCHEMES)
def test_create_follows_the_browsers_colour_scheme(
    browser: Any, server: Any, artifacts: Path, screen: str, scheme: str
) -> None:
    with signed_in(browser, server, artifacts, screen, scheme) as page:
        assert_scheme("the Create heading", page.locator(f"{MAIN} h1").first.evaluate(COLOURS), scheme)
        assert_scheme("the Prompt label", page.get_by_text("Prompt", exact=True).first.evaluate(COLOURS), scheme)
        prompt = page.get_by_role("textbox", name="Prompt")
        prompt.fill("a red kite over the sea")
        text, field = prompt.evaluate(COLOURS)
        assert contrast(text, field) >= 4.5, f"typed prompt ({scheme}): {text} on {field}"


def assert_within_two_screens_and_tappable(page: Any, when: str) -> None:
    _, height = SCREENS["phone"]
    scrolled = page.evaluate(f"document.querySelector('{MAIN}').scrollTop")
    for name in ("Record", "Generate"):
        button = page.get_by_role("button", name=name, exact=True)
        assert_touch_target(button, f"{name} {when}")  # the studio's stylesheet can land just after the button
        box = button.bounding_box()
        assert box is not None, f"{name} {when}"
        assert box["y"] + scrolled + box["height"] <= 2 * height, f"{name} {when} is at {box} (scrolled {scrolled})"
        assert box["height"] >= TOUCH_PX and box["width"] >= TOUCH_PX, f"{name} {when}: {box}"


@pytest.mark.parametrize("scheme", SCHEMES)
def test_on_a_phone_record_and_generate_are_in_the_first_two_screens_and_big_enough_to_tap(
    browser: Any, server: Any, artifacts: Path, scheme: str
) -> None:
    from playwright.sync_api import expect

    with signed_in(browser, server, artifacts, "phone", scheme) as page:
        assert_within_two_screens_and_tappable(page, f"on an empty page ({scheme})")
        prompt = page.get_by_role("textbox", name="Prompt")
        prompt.fill(f"three yellow flowers in a jar, {scheme}")
        prompt.press("Control+Enter")
        page.locator(IDLE).wait_for()
        page.get_by_role("button", name="Generate", exact=True).evaluate("button => button.click()")
        expect(page.get_by_text("Done in", exact=False).first).to_be_visible()
        page.locator(IDLE).wait_for()
        # One result (the default number of images) sits above the prompt area now.
        assert_within_two_screens_and_tappable(page, f"with a result above ({scheme})")

        # Four results: a row of cards to swipe through, as tall as one card, so the prompt area stays close.
        choose_number_of_images(page, 4)
        page.get_by_text("Generation options").click()  # folded again
        page.locator(IDLE).wait_for()
        page.get_by_role("button", name="Generate", exact=True).evaluate("button => button.click()")
        images = page.locator(STUDIO_IMAGE)
        expect(images.nth(3)).to_be_attached()
        expect(page.get_by_text("Done in", exact=False).first).to_be_visible()
        page.locator(IDLE).wait_for()
        # The options' slider had scrolled the page down, so the new run's results are scrolled into view:
        # measured once the page is at rest, not in a frame of that smooth scroll.
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=images.first.element_handle())
        page.wait_for_timeout(SETTLED_MS)
        tops = [images.nth(i).bounding_box() for i in range(4)]
        assert all(box is not None for box in tops)
        assert len({round(box["y"]) for box in tops if box}) == 1, f"four results not in one row: {tops}"
        assert_within_two_screens_and_tappable(page, f"with four results above ({scheme})")


@pytest.mark.parametrize("screen", SCREENS)
@pytest.mark.parametrize("scheme", SCHEMES)
def test_after_generate_half_the_first_image_is_in_view_without_scrolling(
    browser: Any, server: Any, artifacts: Path, screen: str, scheme: str
) -> None:
    from playwright.sync_api import expect

    _, height = SCREENS[screen]
    with signed_in(browser, server, artifacts, screen, scheme) as page:
        prompt = page.get_by_role("textbox", name="Prompt")
        prompt.fill(f"a small boat on a lake, {screen} {scheme}")
        prompt.press("Control+Enter")
        page.locator(IDLE).wait_for()
        generate = page.get_by_role("button", name="Generate", exact=True)
        assert in_view_share(generate.bounding_box(), height) == 1.0, f"Generate is not in view on {screen}"
        generate.evaluate("button => button.click()")  # a tap where it is: no scrolling it into view first
        image = page.locator(STUDIO_IMAGE).first
        expect(image).to_be_visible()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
        assert page.evaluate(f"document.querySelector('{MAIN}').scrollTop") == 0
        share = in_view_share(image.bounding_box(), height)
        page.screenshot(path=str(artifacts / f"studio-screens-{screen}-{scheme}.png"))
        assert share >= 0.5, f"{screen} {scheme}: only {share:.0%} of the first image is in view after Generate"


def main_scroll(page: Any) -> float:
    return float(page.evaluate(f"document.querySelector('{MAIN}').scrollTop"))


def test_on_a_phone_a_new_run_scrolls_its_results_into_view_and_a_save_does_not_scroll(
    browser: Any, server: Any, artifacts: Path
) -> None:
    from playwright.sync_api import expect

    _, height = SCREENS["phone"]
    with signed_in(browser, server, artifacts, "phone", "light") as page:
        prompt = page.get_by_role("textbox", name="Prompt")
        generate = page.get_by_role("button", name="Generate", exact=True)
        prompt.fill("a lighthouse on a cliff")
        prompt.press("Control+Enter")
        page.locator(IDLE).wait_for()
        generate.evaluate("button => button.click()")
        expect(page.get_by_text("Done in", exact=False).first).to_be_visible(timeout=STEP_MS)
        page.locator(IDLE).wait_for()
        first = page.locator(STUDIO_IMAGE).first
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=first.element_handle())
        page.wait_for_timeout(SETTLED_MS)  # the page keeps a new run's results in view until a second after this

        # A second prompt, then down the page to Generate (the first run's card is now above, out of view).
        second = "a heron in the reeds"
        prompt.fill(second)
        prompt.press("Control+Enter")
        page.locator(IDLE).wait_for()
        generate.evaluate("button => button.scrollIntoView({block: 'center'})")
        scrolled = main_scroll(page)
        assert scrolled > 0 and in_view_share(generate.bounding_box(), height) == 1.0
        assert in_view_share(page.locator(STUDIO_IMAGE).first.bounding_box(), height) == 0.0, "nothing to scroll to"
        generate.evaluate("button => button.click()")  # a tap where it is: the test scrolls no more from here
        expect(page.get_by_text(f"Prompt: “{second}”")).to_be_attached(timeout=STEP_MS)
        expect(page.get_by_text("Done in", exact=False).first).to_be_visible(timeout=STEP_MS)
        page.locator(IDLE).wait_for()
        image = page.locator(STUDIO_IMAGE).first
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
        page.wait_for_timeout(SETTLED_MS)  # where the page comes to rest, not a frame of its smooth scroll
        print(f"scrolled {scrolled:.0f} px to Generate; after it the first new image is at {image.bounding_box()}")
        page.screenshot(path=str(artifacts / "studio-screens-phone-new-run-in-view.png"))
        expect(image).to_be_in_viewport(ratio=0.5)

        # Save is an ordinary rerun: the page stays where the person put it, even with the run's top out of view.
        save = page.get_by_role("button", name="Save", exact=True).first
        save.evaluate("button => button.scrollIntoView({block: 'start'})")
        assert in_view_share(page.get_by_text(f"Prompt: “{second}”").bounding_box(), height) == 0.0
        before = main_scroll(page)
        save.evaluate("button => button.click()")
        expect(page.get_by_text("Saved as #", exact=False).first).to_be_visible(timeout=STEP_MS)
        page.locator(IDLE).wait_for()
        page.wait_for_timeout(1000)  # longer than a smooth scroll takes
        # The browser may shift the page a little to keep what is in view in place ("Saved as #N" is taller than
        # Save); scrolled to the run's results, it would have moved up by the ~400 px between them and Save.
        after = main_scroll(page)
        assert in_view_share(page.get_by_text(f"Prompt: “{second}”").bounding_box(), height) == 0.0, after
        assert abs(after - before) < 100, f"Save scrolled the page from {before} to {after}"


@pytest.mark.parametrize("screen", SCREENS)
def test_a_phone_shows_the_pages_as_links_at_the_top_and_a_desktop_keeps_the_top_navigation(
    browser: Any, server: Any, artifacts: Path, screen: str
) -> None:
    from playwright.sync_api import expect

    with signed_in(browser, server, artifacts, screen, "light") as page:
        history = page.get_by_role("link", name="History", exact=True)
        if screen == "desktop":  # Streamlit's own top navigation, and no second row of the same links
            expect(history).to_have_count(1)
            expect(page.get_by_test_id("stTopNav").get_by_role("link", name="History", exact=True)).to_be_visible()
            return
        expect(page.get_by_test_id("stTopNav")).to_have_count(0)  # folded into the sidebar, behind "»"
        expect(page.get_by_test_id("stSidebarNavItems").get_by_role("link", name="History")).not_to_be_in_viewport()
        history = page.locator(MAIN).get_by_role("link", name="History", exact=True)
        expect(history).to_be_in_viewport()  # no menu opened, nothing scrolled
        box = history.bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= SCREENS["phone"][1] / 4, box
        assert box["height"] >= TOUCH_PX, box
        print(f"phone: History link at {box}")
        history.click()
        page.wait_for_url(f"{server.url}/history")
        expect(page.locator(MAIN).get_by_role("heading", name="History")).to_be_visible()
        expect(page.locator(MAIN).get_by_role("link", name="Create", exact=True)).to_be_visible()  # and back
