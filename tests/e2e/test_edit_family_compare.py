"""A real browser on a fresh server: a spoken instruction changes a result, the edit appears beside its source
and is saved; History lists the family and a compare link shows both side by side."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import app_environment, launched_browser, running_streamlit
from tests.e2e.test_browser import MODEL_STEP_MS, RECORDING_CLOCK, STEP_MS, assert_no_tracebacks, wait_until_idle
from tests.fixtures.replicate_server import FakeReplicate, Scenario

pytestmark = pytest.mark.e2e

LOADED_IMAGES = (
    "([selector, count]) => [...document.querySelectorAll(selector + ' [data-testid=stImage] img')]"
    ".filter(img => img.complete && img.naturalWidth > 0).length >= count"
)


@pytest.fixture(scope="module")
def browser(chromium_executable: str, fake_microphone: Path) -> Iterator[Any]:
    """One Chromium for this module (a context per test); its fake microphone says the house sentence."""
    with launched_browser(chromium_executable, fake_microphone) as launched:
        yield launched


def wait_for_images(page: Any, selector: str, count: int) -> None:
    """Until `count` images under `selector` have been fetched and decoded."""
    page.wait_for_function(LOADED_IMAGES, arg=[selector, count], timeout=STEP_MS)


@pytest.mark.slow
def test_a_spoken_edit_is_saved_beside_its_source_and_history_shows_its_family_and_a_working_compare_link(
    browser: Any,
    artifacts: Path,
    fake_replicate: FakeReplicate,
    real_whisper_transformers_dir: Path,
    tiny_blip_dir: Path,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_MS)
    env = app_environment(
        {
            "REPLICATE_API_TOKEN": fake_replicate.token,
            "REPLICATE_BASE_URL": fake_replicate.base_url,
            "WHISPER_MODEL": str(real_whisper_transformers_dir),
            "CAPTION_MODEL": str(tiny_blip_dir),
            "SPEECH_ENGINE": "transformers",
            "MODEL_DEVICE": "cpu",
        },
        tmp_path / "data",
    )
    with running_streamlit(env, tmp_path / "app", artifacts / "streamlit-edit.log") as server:
        context = browser.new_context(permissions=["microphone"], viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(STEP_MS)
        page = context.new_page()
        main = page.get_by_test_id("stMain")
        try:
            page.goto(server.url)
            page.get_by_test_id("stTopNav").get_by_role("link", name="Create", exact=True).click()
            expect(page.get_by_role("heading", name="Create")).to_be_visible()
            # No wait for the models: typing needs none, and each step below waits for its own result.

            page.get_by_role("textbox", name="Prompt").fill("a lighthouse on a cliff")
            page.get_by_role("textbox", name="Prompt").press("Control+Enter")
            wait_until_idle(page)
            page.get_by_role("button", name="Generate", exact=True).click()
            pick = page.get_by_role("button", name="Edit this image")
            expect(pick).to_be_enabled(timeout=MODEL_STEP_MS)  # enabled once the caption is written
            pick.click()
            expect(page.get_by_role("heading", name="Edit", exact=True)).to_be_visible()

            recorder = page.locator(".st-key-create_edit_rec")
            recorder.get_by_role("button", name="Record", exact=True).click()
            expect(recorder.get_by_test_id("stAudioInputWaveformTimeCode")).to_have_text(
                RECORDING_CLOCK, timeout=15_000
            )
            recorder.get_by_role("button", name="Stop recording").click()
            instruction = page.get_by_role("textbox", name="What to change")
            expect(instruction).to_have_value(re.compile(r"house", re.IGNORECASE), timeout=MODEL_STEP_MS)
            spoken = instruction.input_value()
            page.screenshot(path=str(artifacts / "edit-1-instruction.png"), full_page=True)

            # A double click on the paid button, with Kontext kept busy a few polls so a second edit could start
            # while the first runs: it pays once (one prediction, asserted after saving). The browser merges the
            # two clicks into one rerun; a click that does reach a running edit gets a note (AppTest proves it).
            fake_replicate.queue(Scenario("processing_then_ok", polls=6))
            page.locator(".st-key-create_edit_go button").dblclick()
            source_note = page.get_by_text(re.compile(r"^Source #\d+$"))
            expect(source_note).to_be_visible(timeout=MODEL_STEP_MS)
            parent = int(source_note.inner_text().split("#")[1])
            save = page.locator(".st-key-create_edit_save button")
            expect(save).to_be_visible(timeout=MODEL_STEP_MS)
            # The source and the edit, side by side, both loaded.
            wait_for_images(page, "[data-testid=stHorizontalBlock]:has(.st-key-create_edit_save)", 2)
            page.screenshot(path=str(artifacts / "edit-2-beside-its-source.png"), full_page=True)
            save.click()
            saved = page.get_by_text(re.compile(r"Saved as #\d+, edited from #\d+"))
            expect(saved).to_be_visible()
            child = int(re.findall(r"#(\d+)", saved.inner_text())[0])
            assert len([r for r in fake_replicate.created if "flux-kontext" in r.path]) == 1

            page.goto(f"{server.url}/history?view=gallery&family={parent}")
            expect(main.get_by_text(f"family of edits of image #{parent}")).to_be_visible()
            expect(page.locator(".st-key-history_open_" + str(child))).to_be_visible()
            expect(page.locator(".st-key-history_open_" + str(parent))).to_be_visible()
            page.locator(f".st-key-history_open_{child} button").click()
            dialog = page.get_by_role("dialog")
            expect(dialog.get_by_text(f"Edited from #{parent}")).to_be_visible()
            expect(dialog.get_by_text(f"#{parent} · original")).to_be_visible()
            page.screenshot(path=str(artifacts / "edit-3-family.png"), full_page=True)
            dialog.locator(f".st-key-history_family_open_{parent} button").click()
            expect(dialog.get_by_role("heading", name=f"Image #{parent}")).to_be_visible()
            page.keyboard.press("Escape")

            link = f"/history?compare={parent},{child}"
            page.goto(server.url + link)  # as a shared link opens: a fresh page load
            expect(main.get_by_role("heading", name="Compare")).to_be_visible()
            expect(main.get_by_text(spoken.strip(), exact=True).first).to_be_visible()
            expect(main.get_by_text("Instruction differs").first).to_be_visible()
            expect(main.get_by_text(server.url + link, exact=True)).to_be_visible()  # a full address
            wait_for_images(page, "[data-testid=stMain]", 2)
            page.screenshot(path=str(artifacts / "edit-4-compare.png"), full_page=True)

            # History's detail changes an image too (typed this time): the edit of the edit continues the chain.
            page.goto(f"{server.url}/history?view=gallery")
            page.locator(f".st-key-history_open_{child} button").click()
            dialog = page.get_by_role("dialog")
            dialog.get_by_role("button", name="Change this image").click()  # in the toolbar on the image
            typed = dialog.get_by_role("textbox", name="What to change")
            typed.fill("add a red kite")
            typed.press("Control+Enter")
            wait_until_idle(page)
            dialog.get_by_role("button", name="Change this image", exact=True).click()  # the paid one, alone now
            save_in_dialog = dialog.locator(f".st-key-history_edit_{child}_save button")
            expect(save_in_dialog).to_be_visible(timeout=MODEL_STEP_MS)  # polled in, inside the dialog
            save_in_dialog.click()
            grandchild_note = dialog.get_by_text(re.compile(rf"Saved as #\d+, edited from #{child}"))
            expect(grandchild_note).to_be_visible()
            page.screenshot(path=str(artifacts / "edit-5-from-history.png"), full_page=True)
            assert_no_tracebacks(server)
        except Exception:
            page.screenshot(path=str(artifacts / "edit-failure.png"), full_page=True)
            print(server.log_tail())
            raise


SCREENS = {"desktop": (1440, 900), "phone": (390, 844)}
SAVED_DATE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d UTC$")


@pytest.mark.slow
def test_the_edit_loop_shows_its_source_empties_its_box_keeps_changing_and_compare_lists_every_image(
    browser: Any, artifacts: Path, fake_replicate: FakeReplicate, tmp_path: Path
) -> None:
    """Typed instructions at a desktop and a phone size: the panel names and shows its source before the first
    edit; after each edit the box is empty and "Keep changing this edit" is there at once; two edits of one
    result and the result (saved by the first edit, with its date) compare; a Generate with an instruction
    waiting leaves the panel and the instruction alone, and that instruction makes a grandchild of the result."""
    from playwright.sync_api import expect

    expect.set_options(timeout=STEP_MS)
    env = app_environment(
        {
            "REPLICATE_API_TOKEN": fake_replicate.token,
            "REPLICATE_BASE_URL": fake_replicate.base_url,
            # Typed instructions, captions on the fake Replicate: no local model to load in the server.
            "SPEECH_ENGINE": "replicate",
            "CAPTION_ENGINE": "replicate",
        },
        tmp_path / "data",
    )
    with running_streamlit(env, tmp_path / "app", artifacts / "streamlit-edit-loop.log") as server:
        for screen, (width, height) in SCREENS.items():
            context = browser.new_context(viewport={"width": width, "height": height})
            context.set_default_timeout(STEP_MS)
            page = context.new_page()
            try:
                _edit_loop(page, server.url, screen, artifacts)
                assert_no_tracebacks(server)
            except Exception:
                page.screenshot(path=str(artifacts / f"edit-loop-{screen}-failure.png"), full_page=True)
                print(server.log_tail())
                raise
            finally:
                context.close()


def _edit_loop(page: Any, url: str, screen: str, artifacts: Path) -> None:
    from playwright.sync_api import expect

    def typed(box: Any, text: str) -> None:
        box.fill(text)
        box.press("Control+Enter")  # commits the text area before the click that follows
        wait_until_idle(page)

    page.goto(f"{url}/create")
    typed(page.get_by_role("textbox", name="Prompt"), f"a lighthouse on a cliff, {screen}")
    page.get_by_role("button", name="Generate", exact=True).click()
    pick = page.get_by_role("button", name="Edit this image")
    expect(pick).to_be_enabled(timeout=MODEL_STEP_MS)
    pick.click()

    # Before the first edit the panel says what it will change, and shows it.
    expect(page.get_by_role("heading", name="Edit", exact=True)).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Source: Result 1, not saved yet"))).to_be_visible()
    wait_for_images(page, ".st-key-create_edit_source", 1)
    pay = page.get_by_role("button", name="Change this image", exact=True)
    expect(pay).to_have_count(1)  # the card's picker is "Edit this image": one button pays
    page.screenshot(path=str(artifacts / f"edit-loop-{screen}-1-source.png"), full_page=True)

    instruction = page.get_by_role("textbox", name="What to change")
    keep_changing = page.get_by_role("button", name="Keep changing this edit")
    for said in ("make it night", "make it snow"):  # two edits of the same result
        typed(instruction, said)
        pay.click()
        expect(instruction).to_have_value("")  # emptied at once: no second click pays for the same words
        expect(page.get_by_text(said, exact=True)).to_be_visible(timeout=MODEL_STEP_MS)  # the edit's instruction
        expect(keep_changing).to_be_visible(timeout=MODEL_STEP_MS)  # offered at once, nothing else clicked
    source_note = page.get_by_text(re.compile(r"^Source #\d+$"))
    result_id = int(source_note.inner_text().split("#")[1])
    page.screenshot(path=str(artifacts / f"edit-loop-{screen}-2-edited.png"), full_page=True)

    # The edit downloads itself beside Save the edit: the picture Kontext made, named after its source by the app.
    with page.expect_download() as download:
        page.locator(".st-key-create_edit_download").get_by_role("button", name="Download").click()
    assert re.fullmatch(rf"edit-of-{result_id}-[0-9a-f]{{8}}\.(jpg|png)", download.value.suggested_filename)
    assert Path(download.value.path()).stat().st_size > 0

    # Compare: the saved result with its date, both edits (not saved yet), and a share link for the saved one.
    picker = page.get_by_test_id("stMultiSelect").locator("input")
    for title in (f"Result 1 (#{result_id})", f"Edit 1 of #{result_id}", f"Edit 2 of #{result_id}"):
        picker.click()
        picker.press_sequentially(title)  # the options narrow to the one with this title
        picker.press("Enter")
        page.keyboard.press("Escape")
        wait_until_idle(page)
    expect(page.get_by_test_id("stMultiSelect").get_by_text(f"Edit 2 of #{result_id}")).to_be_visible()
    expect(page.get_by_text(SAVED_DATE)).to_have_count(1)
    expect(page.get_by_text("not saved yet", exact=True)).to_have_count(2)
    expect(page.get_by_role("button", name="Share this image")).to_be_visible()
    page.screenshot(path=str(artifacts / f"edit-loop-{screen}-3-compare.png"), full_page=True)

    # Keep changing: the second edit is saved and becomes the source of the next one.
    keep_changing.click()
    source = page.get_by_text(re.compile(rf"^Source: Edit 2 of #{result_id} \(#\d+\)$"))
    expect(source).to_be_visible()
    edit_id = int(re.findall(r"#(\d+)", source.inner_text())[-1])
    typed(instruction, "add a red kite")

    # A Generate while that instruction waits leaves the panel, its source and the instruction as they were.
    typed(page.get_by_role("textbox", name="Prompt"), f"a harbour at dawn, {screen}")
    page.get_by_role("button", name="Generate", exact=True).click()
    expect(page.get_by_text(f"Prompt: “a harbour at dawn, {screen}”")).to_be_visible(timeout=MODEL_STEP_MS)
    expect(page.get_by_role("button", name="Edit this image")).to_be_enabled(timeout=MODEL_STEP_MS)
    expect(source).to_be_visible()
    expect(instruction).to_have_value("add a red kite")

    pay.click()
    save = page.locator(".st-key-create_edit_save button")
    expect(save).to_be_visible(timeout=MODEL_STEP_MS)
    save.click()
    expect(page.get_by_text(re.compile(rf"^Saved as #\d+, edited from #{edit_id}$"))).to_be_visible()
    page.screenshot(path=str(artifacts / f"edit-loop-{screen}-4-grandchild.png"), full_page=True)
