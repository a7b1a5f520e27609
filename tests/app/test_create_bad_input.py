"""Every bad input a person can give the Create page gets a clear message; nothing crashes or is saved."""

from __future__ import annotations

import pytest

from core.app.services import build_services
from core.config.settings import load_settings
from core.domain.records import HistoryQuery
from tests.app.conftest import finish_runs, page
from tests.app.shown_text import as_read
from tests.fakes import tone
from tests.fixtures.replicate_server import Scenario


@pytest.fixture
def app_env(data_dir, fake_replicate, tiny_blip_dir, monkeypatch):
    monkeypatch.setenv("REPLICATE_API_TOKEN", fake_replicate.token)
    monkeypatch.setenv("REPLICATE_BASE_URL", fake_replicate.base_url)
    monkeypatch.setenv("CAPTION_MODEL", str(tiny_blip_dir))
    # A speech model path that is never loaded: every case below fails before speech reaches Whisper.
    monkeypatch.setenv("WHISPER_MODEL", str(data_dir / "never-loaded"))
    monkeypatch.setenv("REPLICATE_MAX_RETRIES", "1")
    monkeypatch.setenv("REPLICATE_TIMEOUT", "1")
    return fake_replicate


def errors_after(at) -> str:
    assert not at.exception, at.exception
    return " ".join(as_read(e.value) for e in at.error)  # outside text (a service's words) is escaped


def nothing_saved() -> bool:
    return build_services(load_settings()).records.search(query=HistoryQuery()).total == 0


def transcribe_upload(name: str, data: bytes, mime: str = "audio/wav"):
    """Upload (transcribed on arrival), then press Transcribe again: both attempts must explain the problem."""
    at = page("pages/create.py")
    at.run()
    at.file_uploader(key="upload").set_value((name, data, mime)).run()
    first = errors_after(at)
    at.button(key="transcribe").click().run()
    assert errors_after(at) == first
    return at


def corrupt_wav() -> bytes:
    data = bytearray(tone(1.0))
    data[12:36] = b"\xff" * 24
    return bytes(data)


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("empty.wav", b"", "empty"),
        ("notes.wav", b"these are my shopping notes\n" * 40, "could not be read as audio"),
        ("broken.wav", corrupt_wav(), "damaged"),
        ("quiet.wav", tone(2.0, amplitude=0.0), "silent"),
        ("memo.m4a", b"\x00\x00\x00\x18ftypM4A " * 10, "WAV, FLAC, OGG or MP3"),
    ],
    ids=["zero-bytes", "text-named-wav", "corrupt-header", "silence", "unsupported-format"],
)
def test_bad_audio_upload_is_explained_and_leaves_the_prompt_empty(app_env, name, data, expected):
    at = transcribe_upload(name, data)
    assert expected in errors_after(at)
    assert not (at.text_area(key="prompt").value or "")


def test_audio_over_the_length_limit_names_the_limit(app_env, monkeypatch):
    monkeypatch.setenv("MAX_AUDIO_SECONDS", "3")
    at = transcribe_upload("long.wav", tone(5.0))
    assert "limit is 3 s" in errors_after(at)


def test_upload_over_the_size_limit_names_the_limit(app_env, monkeypatch):
    monkeypatch.setenv("MAX_UPLOAD_MB", "1")
    at = transcribe_upload("big.wav", tone(40.0))
    assert "limit is 1 MB" in errors_after(at)


def test_missing_speech_model_says_which_setting_to_fix(app_env):
    at = transcribe_upload("tone.wav", tone(1.0))
    assert "WHISPER_MODEL" in errors_after(at)
    assert "make run-remote" in errors_after(at), "a model that cannot load names the way out"


def generate(prompt: str, **options):
    at = page("pages/create.py")
    at.run()
    at.text_area(key="prompt").set_value(prompt)
    for key, value in options.items():
        at.selectbox(key=key).set_value(value)
    at.run()
    at.button(key="generate").click().run()
    return finish_runs(at)


def test_generate_with_an_empty_prompt_says_what_to_do_and_is_no_failure(app_env):
    at = page("pages/create.py").run()
    at.text_area(key="prompt").set_value("   \n\t ").run()

    at.button(key="generate").click().run()

    assert at.button(key="generate").label == "Generate"
    assert errors_after(at) == "" and at.session_state["_runs"] == []
    assert any("nothing to draw" in i.value for i in at.info)
    assert app_env.created == []
    at.text_area(key="prompt").set_value("a red kite").run()
    assert not any("nothing to draw" in i.value for i in at.info)  # the notice was for that click only


def test_a_failure_notice_can_be_dismissed_and_the_next_success_clears_it(app_env):
    app_env.queue("nsfw")
    at = generate("a red kite")
    assert "Rephrase" in errors_after(at)
    [dismiss] = [b for b in at.button if b.label == "Dismiss"]
    dismiss.click().run()
    assert errors_after(at) == "" and not any(b.label == "Dismiss" for b in at.button)

    app_env.queue("nsfw")
    at.button(key="generate").click().run()
    finish_runs(at)
    assert "Rephrase" in errors_after(at)
    at.button(key="generate").click().run()  # succeeds this time
    finish_runs(at)
    assert errors_after(at) == "" and len(at.get("image")) == 1


def test_prompt_over_the_length_limit_names_the_limit(app_env, monkeypatch):
    monkeypatch.setenv("MAX_PROMPT_CHARS", "20")
    at = page("pages/create.py").run()
    at.text_area(key="prompt").set_value("a" * 25).run()
    # Nothing is cut: the page flags the prompt and Generate stays disabled until it is shortened.
    assert errors_after(at) == ""
    assert any("limit is 20" in w.value for w in at.warning) and at.button(key="generate").disabled
    assert at.text_area(key="prompt").value == "a" * 25
    assert app_env.created == []


def test_emoji_and_right_to_left_prompt_is_generated_unchanged(app_env):
    prompt = "🐙 octopus reading a book 📚 — أخطبوط يقرأ"
    at = generate(prompt)
    assert errors_after(at) == ""
    assert app_env.created[-1].body["input"]["prompt"] == prompt
    assert len(at.get("image")) == 1


def test_html_in_a_prompt_is_sent_as_text_and_never_rendered_as_markup(app_env):
    prompt = '<script>alert("x")</script><img src=x onerror=alert(1)> a cat'
    at = generate(prompt)
    assert errors_after(at) == ""
    assert app_env.created[-1].body["input"]["prompt"] == prompt
    assert all("<script>" not in m.value for m in at.markdown)


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        ("status_422", "invalid"),
        (Scenario("status_429", retry_after=1), "wait"),
        ("status_500", "unavailable"),
        ("slow", "REPLICATE_TIMEOUT"),
        ("nsfw", "Rephrase the prompt"),
    ],
    ids=["422", "429", "500", "time-out", "nsfw"],
)
def test_replicate_failures_are_explained_and_nothing_is_saved(app_env, scenario, expected):
    app_env.queue(scenario, scenario, scenario)
    at = generate("a red kite")
    message = errors_after(at)
    assert expected.lower() in message.lower()
    assert app_env.token not in message
    assert len(at.get("image")) == 0 and nothing_saved()


def test_rejected_token_says_to_check_the_token(app_env, monkeypatch):
    monkeypatch.setenv("REPLICATE_API_TOKEN", "r8_wrong_token_value")
    at = generate("a red kite")
    message = errors_after(at)
    assert "REPLICATE_API_TOKEN" in message and "r8_wrong_token_value" not in message
