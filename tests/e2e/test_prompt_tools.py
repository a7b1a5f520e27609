"""A real browser on a fresh server: German speech, Translate to English and Improve prompt, each undone.

The German clip is uploaded rather than spoken into the fake microphone: through the browser's recorder
whisper-base heard it differently from run to run (once as "Anotofus schrift im Diefen Schlei."), and
these tools, not the recorder (tests/e2e/test_browser.py), are the subject here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.conftest import AUDIO_DIR, app_environment, launched_browser, running_streamlit
from tests.e2e.test_browser import MODEL_STEP_MS, STEP_MS, Steps, assert_no_tracebacks
from tests.fixtures.replicate_prompt import IMPROVED_TAIL, translation_of
from tests.fixtures.replicate_server import FakeReplicate

pytestmark = pytest.mark.e2e


@pytest.mark.slow
def test_spoken_german_is_translated_and_improved_in_the_browser_and_each_step_undone(
    chromium_executable: str,
    artifacts: Path,
    fake_replicate: FakeReplicate,
    whisper_base_ct2_dir: Path,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    env = app_environment(
        {
            "REPLICATE_API_TOKEN": fake_replicate.token,
            "REPLICATE_BASE_URL": fake_replicate.base_url,
            "SPEECH_ENGINE": "faster-whisper",
            "WHISPER_MODEL": str(whisper_base_ct2_dir),
            "CAPTION_ENGINE": "replicate",  # nothing is captioned here: no local captioner to load
            "MODEL_DEVICE": "cpu",
            "TRANSLATE_PROMPTS": "off",  # the button is the subject here; auto is proven in tests/app
        },
        tmp_path / "data",
    )
    with (
        running_streamlit(env, tmp_path / "app", artifacts / "streamlit-prompt-tools.log") as server,
        launched_browser(chromium_executable, None) as browser,
    ):
        context = browser.new_context(viewport={"width": 1400, "height": 1100})
        context.set_default_timeout(STEP_MS)
        page = context.new_page()
        steps = Steps(page, artifacts / "prompt-tools")
        steps.folder.mkdir(parents=True, exist_ok=True)
        try:
            page.goto(f"{server.url}/create")
            expect(page.get_by_text("Speech model: ready")).to_be_visible(timeout=MODEL_STEP_MS)
            page.get_by_role("tab", name=re.compile("Upload")).click()
            page.locator("input[type=file]").set_input_files(str(AUDIO_DIR / "de_lighthouse_16k.wav"))

            prompt = page.get_by_role("textbox", name="Prompt")
            expect(page.get_by_text("Heard in German (de)")).to_be_visible(timeout=MODEL_STEP_MS)
            expect(prompt).not_to_have_value("")
            steps.shot("german-transcript")  # waits for the script run to end
            german = prompt.input_value()
            assert german.split()[0] == "Ein", german

            page.get_by_role("button", name="Translate to English").click()
            expect(prompt).to_have_value(translation_of(german))
            steps.shot("translated")
            page.get_by_role("button", name="Undo translation").click()
            expect(prompt).to_have_value(german)
            steps.shot("translation-undone")

            page.get_by_role("button", name="Translate to English").click()
            english = translation_of(german)
            expect(prompt).to_have_value(english)
            page.get_by_role("button", name="Improve prompt").click()
            expect(prompt).to_have_value(english.rstrip(".") + IMPROVED_TAIL)
            steps.shot("improved")
            page.get_by_role("button", name="Undo improvement").click()
            expect(prompt).to_have_value(english)
            steps.shot("improvement-undone")

            kinds = ["translate" if "translat" in c["system_prompt"].lower() else "improve"
                     for c in fake_replicate.prompt_model.calls]  # fmt: skip
            assert kinds == ["translate", "translate", "improve"]
        finally:
            page.close()
        assert_no_tracebacks(server)
