"""`/listen` behind the same gate as the app: real tiny.en weights, Starlette's test client, the committed clips.

The browser tests (tests/e2e/test_listen.py) check the same on a real `streamlit run app.py`, where a handshake
closed before it is accepted is answered 403; here that is the close before accept (code 1008).
"""

from __future__ import annotations

import base64
import io
import json
import threading
import time
import wave
from pathlib import Path

import numpy as np
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from core.speech.audio import decode_audio
from tests.fixtures.models import speech_clips, word_error_rate
from web import listen
from web.gate import AccessGate
from web.sign_in import ROUTES as SIGN_IN_ROUTES

CLIPS = {clip["file"]: clip for clip in speech_clips()}
ORIGIN = {"origin": "http://testserver"}
FRAME = 1600 * 2  # 0.1 s, as the recorder sends


def pcm_of(path: Path, trailing_silence_s: float) -> bytes:
    samples = decode_audio(path.read_bytes(), filename=path.name).samples
    samples = np.concatenate([samples, np.zeros(int(trailing_silence_s * 16_000), np.float32)])
    return (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()


@pytest.fixture
def configured(tmp_path, monkeypatch: pytest.MonkeyPatch, real_whisper_ct2_dir: Path):
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SPEECH_ENGINE", "faster-whisper")
    monkeypatch.setenv("WHISPER_MODEL", str(real_whisper_ct2_dir))
    monkeypatch.setenv("MODEL_THREADS", "2")
    return monkeypatch


def client() -> TestClient:
    app = Starlette(routes=[*SIGN_IN_ROUTES, *listen.ROUTES], middleware=[Middleware(AccessGate)])
    return TestClient(app, follow_redirects=False)


def said(message: dict) -> str:
    return f"{message.get('confirmed', '')} {message.get('tentative', '')}".lower()


def read_until_final(socket, messages: list[dict]) -> None:
    """Append each message as it arrives (another thread watches the list), up to the final one."""
    while True:
        messages.append(message := socket.receive_json())
        if message["type"] == "final":
            return


def closed_with(socket) -> tuple[int, str]:
    """Read until the server closes; its code and reason."""
    while True:
        message = socket.receive()
        if message["type"] == "websocket.close":
            return message["code"], message.get("reason", "")


def test_words_arrive_while_speaking_and_the_final_text_and_audio_after_stop(configured) -> None:
    clip = CLIPS["house_16k_mono.wav"]
    pcm = pcm_of(clip["path"], trailing_silence_s=0.5)
    messages: list[dict] = []
    with client().websocket_connect(listen.LISTEN, headers=ORIGIN) as socket:
        reader = threading.Thread(target=read_until_final, args=(socket, messages), daemon=True)
        reader.start()
        for start in range(0, len(pcm), FRAME):
            socket.send_bytes(pcm[start : start + FRAME])
            time.sleep(0.1)  # as fast as a microphone gives it
        # A busy machine may take seconds per decode: the person keeps quiet until the words are there.
        deadline = time.monotonic() + 60
        while not any("house" in said(m) for m in messages[:]) and time.monotonic() < deadline:
            socket.send_bytes(b"\0\0" * 1600)
            time.sleep(0.1)
        socket.send_text(json.dumps({"type": "stop"}))
        reader.join(timeout=60)
    *partials, message = messages

    assert partials and all(m["type"] == "partial" for m in partials)
    assert any("house" in said(m) for m in partials), partials
    assert message["type"] == "final"
    assert word_error_rate(clip["text"], message["text"]) <= 0.2, message["text"]
    assert message["language"] == "en"
    with wave.open(io.BytesIO(base64.b64decode(message["audio_wav_b64"]))) as audio:
        assert audio.getframerate() == 16_000 and audio.getnframes() >= len(pcm) // 2


def test_with_a_password_a_strangers_handshake_is_refused_and_a_signed_in_one_opens(configured) -> None:
    configured.setenv("APP_PASSWORD", "right")
    browser = client()
    with pytest.raises(WebSocketDisconnect) as refused, browser.websocket_connect(listen.LISTEN, headers=ORIGIN):
        pass
    assert refused.value.code == 1008

    signed_in = browser.post("/sign-in", data={"password": "right", "next": "/"})
    assert signed_in.status_code == 303
    with browser.websocket_connect(listen.LISTEN, headers=ORIGIN) as socket:
        socket.send_text(json.dumps({"type": "stop"}))
        code, reason = closed_with(socket)
    assert (code, reason) == (1000, "Nothing was heard. Check that the right microphone is selected and not muted.")


@pytest.mark.parametrize("headers", [{"origin": "https://evil.example"}, {}], ids=["foreign", "missing"])
def test_a_handshake_from_another_origin_or_none_is_refused(configured, headers) -> None:
    with pytest.raises(WebSocketDisconnect) as refused, client().websocket_connect(listen.LISTEN, headers=headers):
        pass
    assert refused.value.code == 1008


def test_a_stream_past_the_cap_is_closed_with_a_reason_and_the_first_goes_on(configured) -> None:
    configured.setenv("LISTEN_MAX_STREAMS", "1")
    browser = client()
    with browser.websocket_connect(listen.LISTEN, headers=ORIGIN) as first:
        first.send_bytes(b"\0\0" * 1600)
        with browser.websocket_connect(listen.LISTEN, headers=ORIGIN) as second:
            code, reason = closed_with(second)
        first.send_text(json.dumps({"type": "stop"}))
        assert closed_with(first)[0] == 1000
    assert code == 1013 and "Too many people are recording" in reason
    assert listen.slots.in_use == 0


def test_audio_past_max_audio_seconds_closes_the_stream_with_the_limit(configured) -> None:
    configured.setenv("MAX_AUDIO_SECONDS", "1")
    with client().websocket_connect(listen.LISTEN, headers=ORIGIN) as socket:
        for _ in range(11):
            socket.send_bytes(b"\1\0" * 1600)
        code, reason = closed_with(socket)
    assert code == 1009 and "the limit is 1 s" in reason


@pytest.mark.parametrize(
    ("frame", "expected_code"),
    [("not json", 1003), (json.dumps(["stop"]), 1003), (json.dumps({"type": "dance"}), 1003), (b"\0" * 70_000, 1009)],
    ids=["text", "list", "unknown", "huge"],
)
def test_a_malformed_frame_closes_with_a_reason_and_the_server_keeps_serving(configured, frame, expected_code) -> None:
    browser = client()
    with browser.websocket_connect(listen.LISTEN, headers=ORIGIN) as socket:
        socket.send_bytes(frame) if isinstance(frame, bytes) else socket.send_text(frame)
        code, reason = closed_with(socket)
    assert code == expected_code and reason
    with browser.websocket_connect(listen.LISTEN, headers=ORIGIN) as socket:
        socket.send_text(json.dumps({"type": "stop"}))
        assert closed_with(socket)[0] == 1000


def test_a_silent_client_is_dropped_after_the_idle_timeout(configured) -> None:
    configured.setattr(listen, "IDLE_TIMEOUT_S", 0.3)
    with client().websocket_connect(listen.LISTEN, headers=ORIGIN) as socket:
        code, reason = closed_with(socket)
    assert code == 1008 and "Nothing arrived" in reason
