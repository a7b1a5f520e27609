"""Live words in a real browser: Chromium's fake microphone streams to /listen on a fresh `streamlit run app.py`.

Real tiny.en weights through faster-whisper (the default engine); the fake microphone says "Please draw a big
house with a red door." after 0.3 s of silence, then stays silent (it loops the file, so the silence is long).
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.e2e.conftest import (
    AUDIO_DIR,
    app_environment,
    fake_microphone_wav,
    handshake_status,
    launched_browser,
    running_streamlit,
)
from tests.fixtures.replicate_server import FakeReplicate

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]

MODEL_STEP_MS = 120_000
STEP_MS = 30_000
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def quiet_after_speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fake-mic-live")
    return fake_microphone_wav(AUDIO_DIR / "house_16k_mono.wav", folder / "house-48k.wav", tail_s=60.0)


@pytest.fixture(scope="module")
def browser(chromium_executable: str, quiet_after_speech: Path) -> Iterator[Any]:
    """One Chromium for this module (a context per test); its fake microphone speaks once, then stays silent."""
    with launched_browser(chromium_executable, quiet_after_speech) as launched:
        yield launched


def live_env(tmp_path: Path, whisper: Path, **overrides: str) -> dict[str, str]:
    return app_environment(
        {"SPEECH_ENGINE": "faster-whisper", "WHISPER_MODEL": str(whisper), "MODEL_DEVICE": "cpu",
         "MODEL_THREADS": "2", "PRELOAD_MODELS": "true", **overrides},
        tmp_path / "data",
    )  # fmt: skip


def open_create(page: Any, url: str) -> None:
    from playwright.sync_api import expect

    page.goto(url)
    page.get_by_test_id("stTopNav").get_by_role("link", name="Create", exact=True).click()
    expect(page.get_by_role("heading", name="Create")).to_be_visible()
    expect(page.get_by_text("Speech model: ready")).to_be_visible(timeout=MODEL_STEP_MS)


@pytest.mark.slow
def test_words_show_while_speaking_the_prompt_is_ready_at_stop_and_the_transcript_is_saved(
    browser: Any, artifacts: Path, fake_replicate: FakeReplicate, real_whisper_ct2_dir: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    # Captions (and so search vectors) on the fake Replicate: this test is about words, and a local captioner
    # would import torch in the server.
    env = live_env(tmp_path, real_whisper_ct2_dir, REPLICATE_API_TOKEN=fake_replicate.token,
                   REPLICATE_BASE_URL=fake_replicate.base_url, CAPTION_ENGINE="replicate")  # fmt: skip
    with running_streamlit(env, tmp_path / "app", artifacts / "streamlit-listen.log") as server:
        context = browser.new_context(permissions=["microphone"], viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(STEP_MS)
        page = context.new_page()
        try:
            open_create(page, server.url)
            record = page.get_by_role("button", name="Record", exact=True)
            # In the page's font: a button takes the system's unless its style says to inherit.
            font_of = "element => getComputedStyle(element).fontFamily"
            assert record.evaluate(font_of) == page.get_by_text("Speech model: ready").evaluate(font_of)
            record.click()
            stop = page.get_by_role("button", name="Stop recording")
            expect(stop).to_be_visible()
            words = page.locator(".recorder .words")
            # Heard while the microphone is still on: the words come before Stop is pressed. Stop waits for the
            # sentence's last word, as a person stops after speaking: pressed at "house", it raced the rest of the
            # sentence, and a quick enough look cut "red door" off (the prompt then lacked "door").
            expect(words).to_contain_text(re.compile("house.*door", re.IGNORECASE), timeout=STEP_MS)
            expect(stop).to_be_visible()
            page.screenshot(path=str(artifacts / "listen-words-before-stop.png"))
            stop.click()
            prompt = page.get_by_role("textbox", name="Prompt")
            expect(prompt).to_have_value(re.compile("house", re.IGNORECASE), timeout=STEP_MS)
            spoken = prompt.input_value()
            assert {"draw", "house", "door"} <= set(re.findall(r"[a-z]+", spoken.lower())), spoken
            expect(page.get_by_text("transcribed from the recording")).to_be_visible()

            page.get_by_role("button", name="Generate", exact=True).click()
            save = page.get_by_role("button", name="Save", exact=True)
            expect(save).to_be_enabled(timeout=MODEL_STEP_MS)
            save.click()
            saved_note = page.get_by_text(re.compile(r"Saved as #\d+"))
            expect(saved_note).to_be_visible()
            record_id = int(re.search(r"#(\d+)", saved_note.inner_text()).group(1))  # type: ignore[union-attr]
        except Exception:
            with contextlib.suppress(Exception):
                page.screenshot(path=str(artifacts / "listen-failure.png"), full_page=True)
            raise
        finally:
            context.close()
    engine = create_engine(f"sqlite:///{tmp_path / 'data' / 'app.db'}")
    with engine.connect() as connection:
        row = connection.execute(
            text("SELECT prompt, transcript FROM image_records WHERE id = :id"), {"id": record_id}
        ).one()
    engine.dispose()
    assert row.transcript and "house" in row.transcript.lower() and row.prompt == spoken


@pytest.mark.slow
def test_a_strangers_websocket_is_refused_and_the_limits_close_streams_with_their_reason(
    browser: Any, artifacts: Path, real_whisper_ct2_dir: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    env = live_env(tmp_path, real_whisper_ct2_dir, APP_PASSWORD=PASSWORD, LISTEN_MAX_STREAMS="1",
                   MAX_AUDIO_SECONDS="3")  # fmt: skip
    with running_streamlit(env, tmp_path / "app", artifacts / "streamlit-listen-limits.log") as server:
        own = server.url
        assert handshake_status(server.url, "/listen", origin=own) == 403, "a stranger, no pass"
        context = browser.new_context(permissions=["microphone"], viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(STEP_MS)
        page = context.new_page()
        try:
            page.goto(server.url)
            page.get_by_label("Password", exact=True).fill(PASSWORD)
            page.get_by_role("button", name="Enter").click()
            open_create(page, server.url)
            cookie = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())
            assert handshake_status(server.url, "/listen", origin="https://evil.example", cookie=cookie) == 403

            # Recording past MAX_AUDIO_SECONDS: the stream is closed and the recorder says why.
            page.get_by_role("button", name="Record", exact=True).click()
            expect(page.locator(".recorder").get_by_role("alert")).to_contain_text("the limit is 3 s", timeout=STEP_MS)
            expect(page.get_by_role("button", name="Record", exact=True)).to_be_visible()

            # The one place taken by another tab: the second is told the server is full.
            other = context.new_page()
            open_create(other, server.url)
            other.get_by_role("button", name="Record", exact=True).click()
            expect(other.get_by_role("button", name="Stop recording")).to_be_visible()
            page.get_by_role("button", name="Record", exact=True).click()
            full = page.locator(".recorder").get_by_role("alert")
            expect(full).to_contain_text("Too many people are recording", timeout=STEP_MS)
            # MAX_AUDIO_SECONDS ends the other tab's stream too, which gives the only place back: 3 s of audio in
            # real time, then the server's answer, can outlast expect()'s default 5 s on a loaded machine.
            expect(other.get_by_role("button", name="Record", exact=True)).to_be_visible(timeout=STEP_MS)
            # Last, so its socket cannot hold the only place while the browser asks for it.
            assert handshake_status(server.url, "/listen", origin=own, cookie=cookie) == 101, "signed in"
        except Exception:
            with contextlib.suppress(Exception):
                page.screenshot(path=str(artifacts / "listen-limits-failure.png"), full_page=True)
            raise
        finally:
            context.close()


@pytest.mark.slow
def test_what_to_change_in_history_shows_words_while_speaking_and_holds_the_instruction_after_stop(
    browser: Any, artifacts: Path, fake_replicate: FakeReplicate, real_whisper_ct2_dir: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    # Captions (and so search vectors) on the fake Replicate: this test is about words, and a local captioner
    # would import torch in the server and in the command line.
    env = live_env(tmp_path, real_whisper_ct2_dir, REPLICATE_API_TOKEN=fake_replicate.token,
                   REPLICATE_BASE_URL=fake_replicate.base_url, CAPTION_ENGINE="replicate")  # fmt: skip
    # A saved image to change, made from the command line before the server starts.
    made = subprocess.run([sys.executable, "-m", "core", "create", "--prompt", "a lighthouse on a cliff"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)  # fmt: skip
    assert made.returncode == 0, made.stderr[-3000:]
    record_id = json.loads(made.stdout.strip().splitlines()[-1])["id"]
    with running_streamlit(env, tmp_path / "app", artifacts / "streamlit-listen-edit.log") as server:
        context = browser.new_context(permissions=["microphone"], viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(STEP_MS)
        page = context.new_page()
        try:
            page.goto(f"{server.url}/history?view=gallery")
            page.locator(f".st-key-history_open_{record_id} button").click()
            dialog = page.get_by_role("dialog")
            dialog.get_by_role("button", name="Change this image").click()
            recorder = dialog.locator(".recorder")
            record = recorder.get_by_role("button", name="Record", exact=True)
            expect(record).to_be_visible(timeout=MODEL_STEP_MS)  # the live recorder, not st.audio_input
            record.click()
            stop = recorder.get_by_role("button", name="Stop recording")
            expect(stop).to_be_visible()
            # Heard while the microphone is still on: the words come before Stop is pressed, the sentence's last
            # word included (Stop at "house" raced the rest of the sentence, as in the test above).
            words = recorder.locator(".words")
            expect(words).to_contain_text(re.compile("house.*door", re.IGNORECASE), timeout=MODEL_STEP_MS)
            expect(stop).to_be_visible()
            page.screenshot(path=str(artifacts / "listen-edit-words-before-stop.png"))
            stop.click()
            instruction = dialog.get_by_role("textbox", name="What to change")
            expect(instruction).to_have_value(re.compile("house", re.IGNORECASE), timeout=STEP_MS)
            said = set(re.findall(r"[a-z]+", instruction.input_value().lower()))
            assert {"draw", "house", "door"} <= said, instruction.input_value()
        except Exception:
            with contextlib.suppress(Exception):
                page.screenshot(path=str(artifacts / "listen-edit-failure.png"), full_page=True)
            raise
        finally:
            context.close()
