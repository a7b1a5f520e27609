"""Other services' words are shown as text on a fresh `app.py` server: Replicate's error texts (a failed image, a
failed improvement, a failed edit), the prompt model's answer, the previous prompt under the prompt box ("Before:"),
an uploaded file's name, a saved image's author and why a model could not load. Every URL in them points at a
loopback tracking host, which must get no request, and the page must hold no link to it and no image from it
(ui/outside_text.py is the one path).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.app.test_history_page import seed_records
from tests.e2e.conftest import app_environment, launched_browser, running_streamlit
from tests.e2e.test_browser import MODEL_STEP_MS, STEP_MS, assert_no_tracebacks, wait_until_idle
from tests.e2e.test_user_text_as_text import assert_shown_as_text, hostile, tracking_host
from tests.fixtures.embedding import required_minilm_folder
from tests.fixtures.replicate_server import FakeReplicate, Scenario

__all__ = ["tracking_host"]  # the fixture, shared with test_user_text_as_text
pytestmark = pytest.mark.e2e


def phishing(base: str, where: str) -> str:
    """The issue's failed edit, plus the markup of `hostile`: an image, a bold link, a colour."""
    return f"CUDA out of memory ![]({base}/b-{where}.gif) **[Verify your account]({base}/phish-{where})** " + hostile(
        base, where
    )


@pytest.mark.slow
def test_replicate_errors_model_answers_previous_prompts_and_names_render_as_text_and_fetch_nothing(
    chromium_executable: str,
    artifacts: Path,
    fake_replicate: FakeReplicate,
    tracking_host: tuple[str, list[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from playwright.sync_api import expect

    base, fetched = tracking_host
    data_dir = tmp_path / "data"
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    (record,) = seed_records(["a lighthouse"], created_by=hostile(base, "name"))
    env = app_environment(
        {
            "REPLICATE_API_TOKEN": fake_replicate.token,
            "REPLICATE_BASE_URL": fake_replicate.base_url,
            "SPEECH_ENGINE": "replicate",
            "CAPTION_ENGINE": "replicate",
            "TRANSLATE_PROMPTS": "off",
        },
        data_dir,
    )
    with (
        running_streamlit(env, tmp_path / "app", artifacts / "streamlit-outside-text.log") as server,
        launched_browser(chromium_executable, None) as browser,
    ):
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.set_default_timeout(STEP_MS)
        try:
            page.goto(f"{server.url}/create")
            prompt = page.get_by_role("textbox", name="Prompt")
            prompt.fill(hostile(base, "typed"))
            prompt.press("Control+Enter")
            wait_until_idle(page)

            # The prompt model's answer replaces the prompt; the typed one is quoted under the box ("Before:").
            fake_replicate.prompt_model.reply = hostile(base, "answer")
            page.get_by_role("button", name="Improve prompt").click()
            expect(prompt).to_have_value(hostile(base, "answer"), timeout=MODEL_STEP_MS)
            expect(page.get_by_text("Before:").first).to_be_visible()
            wait_until_idle(page)
            assert_shown_as_text(page, base, "typed")

            # "Improving the prompt failed": the prompt model's failure, in Replicate's words.
            fake_replicate.queue(Scenario("failed", error=phishing(base, "improve")))
            page.get_by_role("button", name="Improve prompt").click()
            expect(page.get_by_text("Improving the prompt failed").first).to_be_visible(timeout=MODEL_STEP_MS)
            wait_until_idle(page)
            assert_shown_as_text(page, base, "improve")

            # A failed image: Create's failure message.
            fake_replicate.queue(Scenario("failed", error=phishing(base, "generate")))
            page.get_by_role("button", name="Generate", exact=True).click()
            expect(page.get_by_text("**boldgenerate**").first).to_be_visible(timeout=MODEL_STEP_MS)
            wait_until_idle(page)
            assert_shown_as_text(page, base, "generate")
            page.screenshot(path=str(artifacts / "outside-text-create.png"), full_page=True)

            # A file name: its extension is quoted by the refusal ("'.**boldfile**' files are not supported").
            page.get_by_role("tab", name=re.compile("Upload")).click()
            page.locator("input[type=file]").set_input_files(
                files=[{"name": "tone.**boldfile**", "mimeType": "audio/wav", "buffer": b"RIFF not really"}]
            )
            expect(page.get_by_text("files are not supported").first).to_be_visible(timeout=MODEL_STEP_MS)
            wait_until_idle(page)
            assert_shown_as_text(page, base, "file")

            # History's detail: the author, and a failed edit in the edit panel (ui/change_image.py).
            page.goto(f"{server.url}/history?view=gallery")
            wait_until_idle(page)
            page.locator(f".st-key-history_open_{record.id} button").click()
            dialog = page.get_by_role("dialog")
            expect(dialog.get_by_role("heading", name=f"Image #{record.id}")).to_be_visible()
            dialog.locator("summary").filter(has_text="Details").click()  # the author is among the folded facts
            assert_shown_as_text(page, base, "name")
            dialog.get_by_text("Change this image").first.click()  # in the toolbar: opens the panel
            instruction = dialog.get_by_role("textbox", name="What to change")
            instruction.fill("make it night")
            instruction.press("Control+Enter")
            wait_until_idle(page)
            fake_replicate.queue(Scenario("failed", error=phishing(base, "edit")))
            # The toolbar's opener steps aside while the panel is open: one "Change this image" is left, the paid one.
            dialog.get_by_role("button", name="Change this image", exact=True).click()
            expect(dialog.get_by_text("**boldedit**").first).to_be_visible(timeout=MODEL_STEP_MS)
            wait_until_idle(page)
            assert_shown_as_text(page, base, "edit")
            page.screenshot(path=str(artifacts / "outside-text-edit.png"), full_page=True)
        finally:
            page.close()
        assert_no_tracebacks(server)
    assert fetched == [], f"the browser fetched {fetched} from the tracking host"


def test_models_that_cannot_load_share_one_error_box_their_reasons_as_text_and_the_way_out_with_commands_as_code(
    chromium_executable: str, artifacts: Path, tracking_host: tuple[str, list[str]], tmp_path: Path
) -> None:
    """The reasons quote settings, so they are outside text; the way out around them is the app's own markdown."""
    from playwright.sync_api import expect

    base, fetched = tracking_host
    env = app_environment(
        {
            "WHISPER_MODEL": f"/nowhere/{hostile(base, 'model')}",
            "CAPTION_MODEL": str(tmp_path / "no-blip-here"),
            "EMBEDDING_MODEL": str(required_minilm_folder()),  # the real one: it loads
        },
        tmp_path / "data",
    )
    with (
        running_streamlit(env, tmp_path / "app", artifacts / "streamlit-models-cannot-load.log") as server,
        launched_browser(chromium_executable, None) as browser,
    ):
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.set_default_timeout(STEP_MS)
        try:
            page.goto(f"{server.url}/create")
            main = page.get_by_test_id("stMain")
            boxes = main.get_by_test_id("stAlert").filter(has_text="could not load")
            expect(boxes).to_have_count(1, timeout=MODEL_STEP_MS)  # preloading fails in the background
            expect(boxes.get_by_role("listitem")).to_have_count(2)  # speech and captions, not the embedding model
            box = boxes.first
            speech, caption = box.get_by_role("listitem").all()
            expect(speech).to_contain_text("Speech model: WHISPER_MODEL=/nowhere/**boldmodel**")
            expect(caption).to_contain_text("Caption model: CAPTION_MODEL=")
            assert box.inner_text().count("To fix it") == 1
            commands = box.locator("code").all_inner_texts()
            assert "make run-remote" in commands and "WHISPER_MODEL" in commands, commands
            status = main.get_by_test_id("stCaptionContainer").filter(has_text="Speech model:")
            expect(status).to_contain_text("Speech model: could not load (why, below)")
            assert "/nowhere/" not in status.inner_text()
            assert_shown_as_text(page, base, "model")
            wait_until_idle(page)
            page.screenshot(path=str(artifacts / "models-cannot-load.png"))
        finally:
            page.close()
        assert_no_tracebacks(server)
    assert fetched == [], f"the browser fetched {fetched} from the tracking host"
