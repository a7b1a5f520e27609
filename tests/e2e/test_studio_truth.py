"""What the studio says is what it stores and draws (issue 29), in a real browser on `app.py`.

Provenance: an image drawn from a transcript the person edited a word of is saved with that transcript and its
language; one drawn from an unrelated typed prompt is saved with neither, and the "In use:" line says which.
Seeds: four images from seed 100 carry seeds 100..103, and a redraw of the third from its seed is the same picture.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from core.config.settings import SpacesSettings
from tests.e2e.conftest import AUDIO_DIR, app_environment, choose_number_of_images, launched_browser, running_streamlit
from tests.e2e.test_browser import MODEL_STEP_MS, STEP_MS, Steps, assert_no_tracebacks, wait_until_idle
from tests.fixtures.replicate_server import FakeReplicate
from tests.fixtures.s3 import spaces_env

pytestmark = pytest.mark.e2e

SPOKEN_CLIP = AUDIO_DIR / "house_16k_mono.wav"  # "draw a big house with a red door", as test_browser speaks it
TYPED_PROMPT = "a lighthouse in a storm at night, waves breaking on the rocks"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
FIRST_SEED = 100
# The "In use:" line's two sentences about an upload behind the prompt (ui/create/spoken_input.py).
FROM_THE_UPLOAD = re.compile(r"^In use: the prompt below, transcribed from the upload house_16k_mono\.wav; it is saved")
TYPED_NOT_FROM_THE_UPLOAD = re.compile(r"^In use: the prompt you typed\. It no longer comes from the upload .*without")
CARD = '[class*="st-key-result_card_"]'  # ui/create/studio.py's RESULT_CARD, one result card
RUN_CARDS = '[class*="st-key-result_cards_"]'  # one run's row of cards; the newest run comes first


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_an_edited_transcript_is_saved_with_its_transcript_and_a_typed_prompt_without(
    viewport: dict[str, int],
    chromium_executable: str,
    artifacts: Path,
    postgres_url: str,
    spaces_settings: SpacesSettings,
    fake_replicate: FakeReplicate,
    real_whisper_transformers_dir: Path,
    tiny_blip_dir: Path,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect

    env = app_environment(
        {
            "DATABASE_URL": postgres_url,
            **spaces_env(spaces_settings),
            "REPLICATE_API_TOKEN": fake_replicate.token,
            "REPLICATE_BASE_URL": fake_replicate.base_url,
            "WHISPER_MODEL": str(real_whisper_transformers_dir),
            "CAPTION_MODEL": str(tiny_blip_dir),
            "SPEECH_ENGINE": "transformers",
            "MODEL_DEVICE": "cpu",
        },
        tmp_path / "data",
    )
    name = f"provenance-{viewport['width']}"
    with (
        running_streamlit(env, tmp_path / "app", artifacts / f"streamlit-{name}.log") as server,
        launched_browser(chromium_executable, None) as browser,
    ):
        context = browser.new_context(viewport=viewport)
        context.set_default_timeout(STEP_MS)
        page = context.new_page()
        steps = Steps(page, artifacts / name)
        steps.folder.mkdir(parents=True, exist_ok=True)
        in_use = page.get_by_text(re.compile(r"^In use:"))
        heard = page.get_by_text("Heard in English (en); the transcript is kept as spoken.")
        try:
            page.goto(f"{server.url}/create")
            expect(page.get_by_text("Speech model: ready")).to_be_visible(timeout=MODEL_STEP_MS)
            page.get_by_role("tab", name=re.compile("Upload")).click()
            page.locator("input[type=file]").set_input_files(str(SPOKEN_CLIP))  # transcribed when it arrives
            prompt = page.get_by_role("textbox", name="Prompt")
            expect(prompt).to_have_value(re.compile("house", re.IGNORECASE), timeout=MODEL_STEP_MS)
            spoken = prompt.input_value()

            edited = re.sub(r"\bdoor\b", "window", spoken, count=1, flags=re.IGNORECASE)
            assert edited != spoken, f"the transcript names a door to change: {spoken!r}"
            prompt.fill(edited)
            prompt.press("Control+Enter")  # commit the text, as leaving the box would
            expect(in_use).to_have_text(FROM_THE_UPLOAD)
            expect(heard).to_be_visible()
            steps.shot("one-word-edited")
            from_speech = _generate_and_save(page)
            steps.shot("edited-transcript-saved")

            prompt.fill(TYPED_PROMPT)
            prompt.press("Control+Enter")
            expect(in_use).to_have_text(TYPED_NOT_FROM_THE_UPLOAD)
            expect(heard).to_have_count(0)  # "the transcript is kept" would contradict the line above
            steps.shot("typed-prompt")
            typed = _generate_and_save(page)
            assert typed != from_speech
            steps.shot("typed-prompt-saved")
        except Exception:
            with contextlib.suppress(Exception):  # the screenshot must not hide the failure itself
                steps.shot("failure", settle=False)
            raise
        finally:
            context.close()
        assert_no_tracebacks(server)

    speech_row, typed_row = _saved_rows(postgres_url, from_speech), _saved_rows(postgres_url, typed)
    assert (speech_row.prompt, speech_row.transcript, speech_row.language) == (edited, spoken, "en")
    assert (typed_row.prompt, typed_row.transcript, typed_row.language) == (TYPED_PROMPT, None, None)


@pytest.mark.slow
def test_the_third_of_four_images_redrawn_from_its_seed_is_the_same_picture(
    chromium_executable: str, artifacts: Path, fake_replicate: FakeReplicate, tiny_blip_dir: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    env = app_environment(
        {
            "REPLICATE_API_TOKEN": fake_replicate.token,
            "REPLICATE_BASE_URL": fake_replicate.base_url,
            "CAPTION_MODEL": str(tiny_blip_dir),
            "WHISPER_MODEL": str(tmp_path / "no-speech-model-needed"),
            "MODEL_DEVICE": "cpu",
        },
        tmp_path / "data",
    )
    with (
        running_streamlit(env, tmp_path / "app", artifacts / "streamlit-redraw.log") as server,
        launched_browser(chromium_executable, None) as browser,
    ):
        context = browser.new_context(viewport=DESKTOP)
        context.set_default_timeout(STEP_MS)
        page = context.new_page()
        steps = Steps(page, artifacts / "redraw")
        steps.folder.mkdir(parents=True, exist_ok=True)
        try:
            page.goto(f"{server.url}/create")
            prompt = page.get_by_role("textbox", name="Prompt")
            prompt.fill("a red kite over the sea")
            prompt.press("Control+Enter")
            wait_until_idle(page)
            _set_options(page, images=4, seed=FIRST_SEED)
            page.get_by_role("button", name="Generate", exact=True).click()
            cards = _newest_cards(page, 4)
            assert [_seed_in_details(page, card) for card in cards] == [100, 101, 102, 103]
            pictures = [_image_bytes(page, card) for card in cards]
            assert len(set(pictures)) == 4, "each seed draws its own picture"
            steps.shot("four-from-seed-100")

            # Each card's own actions: Download saves its bytes under a name the app chose (never the prompt), and
            # Compare puts it beside another card under Compare.
            with page.expect_download() as download:
                cards[2].get_by_role("button", name="Download").click()
            assert re.fullmatch(r"result-[0-9a-f]{8}-3\.webp", download.value.suggested_filename)
            # The paid WebP itself; the page shows it re-encoded, so the pictures are compared, not the bytes.
            downloaded = Path(download.value.path()).read_bytes()
            assert downloaded[:4] == b"RIFF" and downloaded[8:12] == b"WEBP"
            assert _pixel_distance(downloaded, pictures[2]) < 8 < _pixel_distance(downloaded, pictures[0])
            for card in (cards[0], cards[2]):
                card.get_by_text("Compare", exact=True).click()  # Streamlit's label takes the click, not its <input>
                expect(card.get_by_role("checkbox", name="Compare")).to_be_checked()
                wait_until_idle(page)
            titles = page.locator('[data-testid="stMarkdown"] strong').filter(has_text=re.compile(r"^Result \d$"))
            expect(titles).to_have_text(["Result 1", "Result 3"])
            steps.shot("compare-from-the-cards")

            third = cards[2]
            third.get_by_role("button", name="Reuse settings").click()
            popover = page.get_by_test_id("stPopoverBody")
            popover.get_by_text("Same seed (102)").click()
            popover.get_by_role("button", name="Use these settings").click()
            wait_until_idle(page)
            _set_options(page, images=1, seed=None)
            seed_box = page.get_by_role("spinbutton", name=re.compile("^Seed"))
            expect(seed_box).to_have_value("102")
            page.get_by_role("button", name="Generate", exact=True).click()
            [redrawn] = _newest_cards(page, 1)
            assert _seed_in_details(page, redrawn) == 102
            steps.shot("third-redrawn")
            again = _image_bytes(page, redrawn)
            assert hashlib.sha256(again).hexdigest() == hashlib.sha256(pictures[2]).hexdigest()
        except Exception:
            with contextlib.suppress(Exception):
                steps.shot("failure", settle=False)
            raise
        finally:
            context.close()
        assert_no_tracebacks(server)
    requested = [r.body["input"]["seed"] for r in fake_replicate.created]
    assert sorted(requested[:4]) == [100, 101, 102, 103] and requested[4:] == [102], requested


def _generate_and_save(page: Any) -> int:
    """Generate one image, wait for its caption, Save it; the id of the saved record."""
    from playwright.sync_api import expect

    page.get_by_role("button", name="Generate", exact=True).click()
    save = page.get_by_role("button", name="Save", exact=True)
    expect(save).to_be_enabled(timeout=MODEL_STEP_MS)  # enabled once the caption is written
    save.click()
    expect(save).to_have_count(0)
    note = page.get_by_text(re.compile(r"Saved as #\d+"))
    expect(note).to_be_visible()
    return int(re.search(r"#(\d+)", note.inner_text()).group(1))  # type: ignore[union-attr]


def _set_options(page: Any, *, images: int, seed: int | None) -> None:
    """Number of images, and the seed when given."""
    choose_number_of_images(page, images)
    if seed is not None:
        seed_box = page.get_by_role("spinbutton", name=re.compile("^Seed"))
        seed_box.fill(str(seed))
        seed_box.press("Enter")
    wait_until_idle(page)


def _newest_cards(page: Any, count: int) -> list[Any]:
    """The newest run's cards once it is done and captioned (Save enabled on each)."""
    from playwright.sync_api import expect

    cards = page.locator(RUN_CARDS).first.locator(CARD)
    expect(cards).to_have_count(count, timeout=MODEL_STEP_MS)
    for index in range(count):
        expect(cards.nth(index).get_by_role("button", name="Save", exact=True)).to_be_enabled(timeout=MODEL_STEP_MS)
    wait_until_idle(page)
    return [cards.nth(index) for index in range(count)]


def _seed_in_details(page: Any, card: Any) -> int:
    """The seed a card's Details popover shows."""
    card.get_by_role("button", name="Details").click()
    line = page.get_by_test_id("stPopoverBody").get_by_text(re.compile(r"seed \d+"))
    seed = int(re.search(r"seed (\d+)", line.inner_text()).group(1))  # type: ignore[union-attr]
    page.keyboard.press("Escape")
    return seed


def _pixel_distance(one: bytes, other: bytes) -> float:
    """Mean absolute difference of two pictures' RGB values (0-255), at the first one's size."""
    import io

    import numpy as np
    from PIL import Image

    first = Image.open(io.BytesIO(one)).convert("RGB")
    second = Image.open(io.BytesIO(other)).convert("RGB").resize(first.size)
    return float(np.mean(np.abs(np.asarray(first, dtype=np.int16) - np.asarray(second, dtype=np.int16))))


def _image_bytes(page: Any, card: Any) -> bytes:
    """The bytes the browser is served for a card's <img>."""
    source = card.get_by_test_id("stImage").locator("img").evaluate("img => img.src")
    answer = page.request.get(source)
    assert answer.ok, (source, answer.status)
    return bytes(answer.body())


def _saved_rows(database_url: str, record_id: int) -> Any:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            query = text("SELECT prompt, transcript, language FROM image_records WHERE id = :id")
            return connection.execute(query, {"id": record_id}).one()
    finally:
        engine.dispose()
