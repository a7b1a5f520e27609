"""`/listen`: a WebSocket that transcribes a recording while the person speaks (core.speech.streaming).

Protocol. The browser sends binary frames of little-endian int16 mono PCM at 16 kHz, and text frames of JSON
control: `{"type": "language", "language": "de"}` (or `{"language": "de"}`) and `{"type": "stop"}`. The server
answers `{"type": "partial", "confirmed", "tentative", "heard_s", "settled"}` as it hears words (settled: the
full decode of a pause, the prompt a Stop now would give), then once
`{"type": "final", "text", "language", "duration_s", "audio_wav_b64", "decoded_at_stop", "model_id"}` and closes.

Who may connect: AccessGate (web/gate.py) refuses a handshake without a pass when APP_PASSWORD is set, before
this route runs; with st.login this route asks for Streamlit's login cookie itself. The Origin must be the app's
own host, or a page elsewhere could stream through a signed-in visitor's cookie (403 either way: the handshake
is closed before it is accepted). Limits: LISTEN_MAX_STREAMS streams per server, MAX_AUDIO_SECONDS of audio per
stream (a bounded buffer), an idle and a total timeout, frames of at most MAX_FRAME_BYTES. Whatever a client
sends, the socket closes with a code and a reason; nothing it sends can raise out of this route.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import threading
from typing import Any
from urllib.parse import urlsplit

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from core.app import process
from core.config.settings import Settings
from core.domain.errors import AppError, AudioError, ConfigError
from core.domain.ports import Transcriber
from core.speech.streaming import Final, StreamDecoder, StreamingSession
from core.speech.voice_activity import default_detector
from web.gate import current_mode, current_settings, has_login_cookie, parse_cookies

log = logging.getLogger(__name__)

LISTEN = "/listen"
MAX_FRAME_BYTES = 64 * 1024  # 2 s of audio; the recorder sends about 0.1 s per frame
IDLE_TIMEOUT_S = 10.0  # nothing at all from the browser for this long: it is gone or stuck
TOTAL_MARGIN_S = 30.0  # a stream may last MAX_AUDIO_SECONDS plus this, however slowly audio arrives

# Close codes (RFC 6455): 1003 data this endpoint cannot take, 1008 a broken rule, 1009 too big,
# 1011 a server-side failure, 1013 try again later.
UNSUPPORTED, POLICY, TOO_BIG, SERVER_ERROR, TRY_LATER = 1003, 1008, 1009, 1011, 1013


class StreamSlots:
    """How many streams run at once in this server process; taking a slot never blocks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.in_use = 0

    def take(self, limit: int) -> bool:
        with self._lock:
            if self.in_use >= limit:
                return False
            self.in_use += 1
            return True

    def give_back(self) -> None:
        with self._lock:
            self.in_use -= 1


slots = StreamSlots()


def same_origin(websocket: WebSocket) -> bool:
    """Whether the handshake's Origin names the host the browser asked for (the app's own page).

    Browsers always send Origin on a WebSocket handshake, so none at all is refused. Host names, not ports,
    as web/sign_in.py compares them: nginx passes `Host: $host`, which drops the port Origin keeps."""
    origin = websocket.headers.get("origin")
    host = urlsplit(f"//{websocket.headers.get('host', '')}").hostname
    return bool(origin) and host is not None and urlsplit(origin).hostname == host


def _allowed_by_login(websocket: WebSocket) -> bool:
    try:
        mode = current_mode()
    except ConfigError:
        return False
    if mode.name != "login":
        return True  # password mode was decided by the gate; open mode is open like the pages
    return has_login_cookie(parse_cookies(websocket.headers.get("cookie", "")))


def _decoder(settings: Settings) -> tuple[StreamDecoder, Transcriber] | None:
    """The process's shared speech model, when its engine can decode a stream (faster-whisper), twice typed."""
    transcriber = process.services_for(settings).transcriber()
    return (transcriber, transcriber) if isinstance(transcriber, StreamDecoder) else None


async def listen(websocket: WebSocket) -> None:
    if not same_origin(websocket) or not await asyncio.to_thread(_allowed_by_login, websocket):
        await websocket.close(code=POLICY)  # before accept: the handshake is answered 403
        return
    settings = await asyncio.to_thread(current_settings)
    await websocket.accept()
    if not slots.take(settings.listen_max_streams):
        await _close(websocket, TRY_LATER, "Too many people are recording right now. Try again in a moment.")
        return
    try:
        await _serve(websocket, settings)
    except WebSocketDisconnect:
        pass
    except Exception:  # one broken stream must not take the server down; the person is told, the log keeps why
        log.exception("/listen stream failed")
        await _close(websocket, SERVER_ERROR, "Live transcription failed. Stop and record again.")
    finally:
        slots.give_back()


async def _serve(websocket: WebSocket, settings: Settings) -> None:
    try:
        model = await asyncio.to_thread(_decoder, settings)
    except AppError as exc:
        await _close(websocket, SERVER_ERROR, str(exc))
        return
    if model is None:
        await _close(websocket, POLICY, "Live words need SPEECH_ENGINE=faster-whisper; record without them instead.")
        return
    # Past one 30 s window the final text comes from the whole-clip transcriber: the same shared model.
    decoder, transcriber = model
    session = StreamingSession(
        decoder, max_seconds=settings.max_audio_seconds, detector=default_detector(), transcriber=transcriber
    )
    stream = _Stream(websocket, session)
    try:
        await asyncio.wait_for(stream.run(), timeout=settings.max_audio_seconds + TOTAL_MARGIN_S)
    except TimeoutError:
        await _close(websocket, POLICY, "The recording went on too long. Stop sooner, or upload a file.")


class _Stream:
    """One connection: receives frames, decodes in a worker thread whenever new audio has come, ends at stop."""

    def __init__(self, websocket: WebSocket, session: StreamingSession) -> None:
        self.websocket = websocket
        self.session = session
        self.arrived = asyncio.Event()
        self.stopping = False

    async def run(self) -> None:
        decoding = asyncio.create_task(self._decode_as_audio_arrives())
        try:
            reason = await self._receive_until_stop()
        finally:
            self.stopping = True
            self.arrived.set()
            # The decode in flight, if any, finishes first: it may be the one that makes Stop free.
            try:
                await decoding
            except Exception:
                log.exception("/listen: a partial decode failed")
        if reason is not None:
            await _close(self.websocket, *reason)
            return
        try:
            final = await asyncio.to_thread(self.session.finish)
        except AudioError as exc:
            await _close(self.websocket, 1000, str(exc))
            return
        await self.websocket.send_text(json.dumps(_final_message(final, self.session.decoder.model_id)))
        await _close(self.websocket, 1000, "done")

    async def _receive_until_stop(self) -> tuple[int, str] | None:
        """None at a stop; otherwise the close code and reason that end the stream."""
        while True:
            try:
                message = await asyncio.wait_for(self.websocket.receive(), timeout=IDLE_TIMEOUT_S)
            except TimeoutError:
                return POLICY, f"Nothing arrived for {IDLE_TIMEOUT_S:.0f} s; the recording was dropped."
            if message["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(message.get("code", 1000))
            if (data := message.get("bytes")) is not None:
                if len(data) > MAX_FRAME_BYTES:
                    return TOO_BIG, f"An audio frame may hold at most {MAX_FRAME_BYTES} bytes."
                try:
                    self.session.feed(data)
                except AudioError as exc:
                    return TOO_BIG, str(exc)
                self.arrived.set()
                continue
            control = _control(message.get("text"))
            if control is None:
                return UNSUPPORTED, 'Text frames must be JSON such as {"type": "stop"}.'
            if control.get("type") == "stop":
                return None
            if "language" in control and isinstance(control["language"], str | None):
                self.session.set_language(control["language"])
                continue
            return UNSUPPORTED, "Unknown control message."

    async def _decode_as_audio_arrives(self) -> None:
        while not self.stopping:
            await self.arrived.wait()
            self.arrived.clear()
            if self.stopping or not self.session.has_new_audio():
                continue
            partial = await asyncio.to_thread(self.session.step)
            if partial is None:  # held back for a likely pause: the next frame wakes this loop
                continue
            message = {"type": "partial", "confirmed": partial.confirmed, "tentative": partial.tentative}
            with contextlib.suppress(Exception):  # the browser may have gone; the receiver notices
                heard = {"heard_s": round(partial.heard_s, 2), "settled": partial.settled}
                await self.websocket.send_text(json.dumps(message | heard))
            if self.session.has_new_audio():
                self.arrived.set()


def _control(text: str | None) -> dict[str, Any] | None:
    if text is None or len(text) > 1024:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _final_message(final: Final, model_id: str) -> dict[str, object]:
    return {
        "type": "final",
        "text": final.text,
        "language": final.language,
        "duration_s": round(final.duration_s, 2),
        "audio_wav_b64": base64.b64encode(final.wav).decode("ascii"),
        "decoded_at_stop": final.decoded_at_stop,
        "model_id": model_id,
    }


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    # A close reason may hold at most 123 bytes.
    with contextlib.suppress(Exception):
        await websocket.close(code=code, reason=reason.encode()[:123].decode(errors="ignore"))


ROUTES = [WebSocketRoute(LISTEN, listen)]
