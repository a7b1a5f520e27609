"""Words while the person speaks: a streaming transcription session over a growing buffer of 16 kHz PCM.

Whisper has no streaming mode, so the session re-decodes the whole buffer as it grows (a prompt is a few
seconds long). While the person speaks it takes quick looks (a 10 s window: core.speech.one_window),
so words show soon after they are said; words two consecutive looks agree on from the start are confirmed
(local agreement, as whisper_streaming does) and never taken back; the rest is tentative. The language of the
quick looks is fixed after the first confident detection, so they cannot flip between languages mid-sentence.

The prompt comes from a full decode (30 s window, the configured beam), the text a whole-clip transcription
gives. It is made as soon as the person pauses (SETTLED_S of silence after speech, by Silero VAD, shipped with
faster-whisper) rather than at Stop: when everything heard since that decode is silence, `finish` returns it
without a new one. So that decode can start the moment the pause is heard, no quick look starts while the voice
is going quiet (QUIET_TAIL_S). Thread-safe: `feed` may run on the event loop while `step` runs in a worker thread.
"""

from __future__ import annotations

import io
import threading
import wave
from dataclasses import dataclass, replace
from typing import Protocol, runtime_checkable

import numpy as np

from core.domain.errors import AudioError
from core.domain.ports import SAMPLE_RATE, AudioClip, Transcriber
from core.speech.audio import too_long
from core.speech.decoding import WINDOW_S
from core.speech.one_window import Heard, Look
from core.speech.voice_activity import QUIET_PEAK, EnergyDetector, SpeechDetector

# A language Whisper names with this probability or more is kept for the rest of the stream.
CONFIDENT_LANGUAGE = 0.8
# Too little new audio is not worth a decode (a decode costs about a second whatever the length).
MIN_NEW_AUDIO_S = 0.3
# This much silence after the last speech the VAD found counts as a pause: the full decode starts, in case Stop
# comes next. Silero ends a segment only after 150 ms of silence, so with it the pause is heard then, about 0.2 s
# after the last loud sound; the energy rule (tests) needs this alone. With 300 ms and 0.25 s it started about
# 0.6 s after the last word, after a typical Stop: Stop to final 0.78 s, against 0.53-0.63 s then (bench listen).
SETTLED_S = 0.1
# When the newest audio has been quiet this long but the VAD has not yet heard a pause, the voice is probably
# stopping: a quick look started now would hold both cores for 0.3-0.5 s just when the pause's full decode should
# start, and Stop would wait for both. So the session waits for the next frame instead, for at most QUIET_WAIT_S
# of audio, then looks anyway (a breath mid-sentence costs the words on screen that much lag).
QUIET_TAIL_S = 0.1
QUIET_WAIT_S = 0.3
_BYTES_PER_SAMPLE = 2


@runtime_checkable
class StreamDecoder(Protocol):
    """One decode of a whole buffer; `language` None asks the model to detect it."""

    model_id: str

    def decode(self, samples: np.ndarray, *, language: str | None, look: Look = ...) -> Heard:
        """The text, the language and the probability of that language, from a quick or a full look."""
        ...


@dataclass(frozen=True)
class Partial:
    confirmed: str
    tentative: str
    heard_s: float  # how much audio this decode covered
    settled: bool = False  # the full decode of a pause: the prompt Stop would give now


@dataclass(frozen=True)
class Final:
    text: str
    language: str | None
    duration_s: float
    wav: bytes
    decoded_at_stop: bool  # True when the words came from a decode made before Stop (no wait)


class StreamingSession:
    """One person's stream: `feed` PCM as it arrives, `step` for the words so far, `finish` at Stop."""

    def __init__(
        self,
        decoder: StreamDecoder,
        *,
        max_seconds: float,
        language: str | None = None,
        detector: SpeechDetector | None = None,
        transcriber: Transcriber | None = None,
    ) -> None:
        self.decoder = decoder
        self.max_seconds = max_seconds
        self.language = language
        self._detector = detector or EnergyDetector()
        # Past Whisper's 30 s window, the final text comes from the whole-clip transcriber (window by window).
        self._transcriber = transcriber
        self._max_samples = int(max_seconds * SAMPLE_RATE)
        self._buffer = np.zeros(self._max_samples, dtype=np.int16)  # allocated once: the bound is the buffer
        self._length = 0
        self._odd_byte = b""
        self._lock = threading.Lock()
        self._decoded_until = 0
        self._previous_words: list[str] = []
        self._confirmed: list[str] = []
        self._last_words: list[str] = []
        self._quick_language: str | None = None  # fixed by the first confident quick look
        self._full: _FullDecode | None = None  # the prompt as of the last pause
        self._past_window = False
        self._waiting_since: int | None = None  # the buffer's length when a quick look was first held back
        self._waiting_until = 0  # no step before the buffer grows past this

    @property
    def heard_s(self) -> float:
        return self._length / SAMPLE_RATE

    def feed(self, pcm: bytes) -> None:
        """Append little-endian int16 mono 16 kHz samples; raise AudioError past `max_seconds`."""
        data = self._odd_byte + pcm
        whole = len(data) - len(data) % _BYTES_PER_SAMPLE
        self._odd_byte = data[whole:]
        samples = np.frombuffer(data[:whole], dtype="<i2")
        with self._lock:
            if self._length + len(samples) > self._max_samples:
                raise too_long(None, self.max_seconds)
            self._buffer[self._length : self._length + len(samples)] = samples
            self._length += len(samples)

    def has_new_audio(self) -> bool:
        """Whether a `step` now would decode something new (never past the first window: see `step`)."""
        if self._past_window or self._length <= self._waiting_until:
            return False
        return (self._length - self._decoded_until) / SAMPLE_RATE >= MIN_NEW_AUDIO_S

    def set_language(self, language: str | None) -> None:
        if (language or None) != self.language:
            self._full = None  # decoded in another language: Stop must not reuse it
        self.language = language or None

    def step(self) -> Partial | None:
        """Decode everything heard so far (blocking: run it in a worker thread) and return the words.

        None when it held back a quick look for the pause (see QUIET_TAIL_S): nothing new to show yet."""
        samples, end = self._snapshot()
        if end / SAMPLE_RATE > WINDOW_S:
            # One window is what a re-decode can cover; past it the words stay as they were until Stop.
            self._past_window = True
            return self._partial(end)
        audio = _as_float(samples)
        speech_end = self._detector.speech_ends_at(audio)
        if speech_end is None or (self._full is not None and speech_end <= self._full.until):
            # Whisper invents words in silence ("you", "Thank you."); two such decodes would confirm them. And
            # silence after a full decode changes nothing it said.
            self._decoded_until = end
            return self._partial(end)
        if (end - speech_end) / SAMPLE_RATE >= SETTLED_S:
            heard = self._full_decode(samples)
            self._full = _FullDecode(words=heard.text.split(), language=heard.language, until=end)
        elif self._may_wait_for_the_pause(audio, end):
            self._waiting_until = end
            return None
        else:
            heard = self._quick_look(samples)
        self._waiting_since = None
        paused = self._full is not None and self._full.until == end
        self._agree(heard.text.split(), paused=paused)
        self._decoded_until = end
        return replace(self._partial(end), settled=paused)

    def finish(self) -> Final:
        """The final text at Stop: the full decode of the last pause when only silence followed it, else one now."""
        samples, end = self._snapshot()
        if end / SAMPLE_RATE < 0.3 or np.max(np.abs(samples), initial=0) / 32768 < 1e-3:
            raise AudioError("Nothing was heard. Check that the right microphone is selected and not muted.")
        full = self._full
        reused = full is not None and not self._past_window and self._only_silence_since(samples, full.until)
        if full is not None and reused:
            words, language = full.words, full.language
        elif end / SAMPLE_RATE > WINDOW_S and self._transcriber is not None:
            transcript = self._transcriber.transcribe(AudioClip(samples=_as_float(samples)), language=self.language)
            words, language = transcript.text.split(), transcript.language
        else:
            heard = self._full_decode(samples)
            words, language = heard.text.split(), heard.language
        return Final(
            text=" ".join(words),
            language=self.language or language,
            duration_s=end / SAMPLE_RATE,
            wav=_wav(samples),
            decoded_at_stop=reused,
        )

    # ---- inside --------------------------------------------------------------------------------------

    def _may_wait_for_the_pause(self, audio: np.ndarray, end: int) -> bool:
        """Whether the newest audio is quiet enough, and not yet waited on too long, to skip this quick look."""
        loud_until = EnergyDetector().speech_ends_at(audio)
        if loud_until is None or (end - loud_until) / SAMPLE_RATE < QUIET_TAIL_S:
            self._waiting_since = None
            return False
        if self._waiting_since is None:
            self._waiting_since = end
        return (end - self._waiting_since) / SAMPLE_RATE < QUIET_WAIT_S

    def _snapshot(self) -> tuple[np.ndarray, int]:
        with self._lock:
            end = self._length
            return self._buffer[:end].copy(), end

    def _quick_look(self, samples: np.ndarray) -> Heard:
        language = self.language or self._quick_language
        heard = self.decoder.decode(_as_float(samples), language=language, look=Look.QUICK)
        if language is None and heard.language is not None and heard.language_probability >= CONFIDENT_LANGUAGE:
            self._quick_language = heard.language
        return heard

    def _full_decode(self, samples: np.ndarray) -> Heard:
        """What a whole-clip transcription would say: it detects the language itself unless the person chose one."""
        return self.decoder.decode(_as_float(samples), language=self.language, look=Look.FULL)

    def _agree(self, words: list[str], *, paused: bool) -> None:
        """Confirm the longest prefix this decode shares with the previous one; confirmed words stay.

        The earlier decode's last word is not confirmed by agreement: it was heard at the edge of the audio, maybe
        cut short ("Please drop" at 0.5 s, then "Please drop it." at 1 s, of "Please draw a big house"). A full
        decode at a pause confirms all its words, replacing what quick looks confirmed: nothing was cut, and it is
        the text Stop would give, so the words change at most once, at a pause, to the prompt's."""
        if paused:
            self._confirmed = words
        agreed = 0
        for earlier, now in zip(self._previous_words[:-1], words, strict=False):
            if earlier != now:
                break
            agreed += 1
        if agreed > len(self._confirmed) and words[: len(self._confirmed)] == self._confirmed:
            self._confirmed = words[:agreed]
        self._previous_words = words
        self._last_words = words

    def _partial(self, end: int) -> Partial:
        confirmed = self._confirmed
        rest = self._last_words[len(confirmed) :] if self._last_words[: len(confirmed)] == confirmed else []
        return Partial(confirmed=" ".join(confirmed), tentative=" ".join(rest), heard_s=end / SAMPLE_RATE)

    def _only_silence_since(self, samples: np.ndarray, until: int) -> bool:
        tail = _as_float(samples[until:])
        if len(tail) == 0 or float(np.max(np.abs(tail))) < QUIET_PEAK:
            return True
        # The VAD needs context around the boundary; ask it about the whole buffer and compare.
        ends_at = self._detector.speech_ends_at(_as_float(samples))
        return ends_at is None or ends_at <= until


@dataclass(frozen=True)
class _FullDecode:
    words: list[str]
    language: str | None
    until: int  # the buffer's length when it was decoded


def _as_float(samples: np.ndarray) -> np.ndarray:
    return (samples.astype(np.float32) / 32768.0).astype(np.float32)


def _wav(samples: np.ndarray) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(_BYTES_PER_SAMPLE)
        file.setframerate(SAMPLE_RATE)
        file.writeframes(samples.astype("<i2").tobytes())
    return out.getvalue()
