"""The streaming session's bookkeeping: bounded buffer, local agreement, language fixing and reuse at Stop.

The decoder here is a scripted stand-in for Whisper (an outside thing); tests/integration/test_streaming_speech.py
runs the same session on real weights.
"""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest

from core.domain.errors import AudioError
from core.domain.ports import SAMPLE_RATE
from core.speech.one_window import Heard, Look
from core.speech.streaming import StreamingSession
from core.speech.voice_activity import EnergyDetector


class ScriptedDecoder:
    model_id = "scripted"

    def __init__(self, *answers: tuple[str, str | None, float]) -> None:
        self.answers = list(answers)
        self.languages_asked: list[str | None] = []
        self.looks: list[Look] = []

    def decode(self, samples: np.ndarray, *, language: str | None, look: Look = Look.FULL) -> Heard:
        self.languages_asked.append(language)
        self.looks.append(look)
        text, heard_language, probability = self.answers.pop(0)
        return Heard(text=text, language=language or heard_language, language_probability=probability)


def tone(seconds: float, amplitude: float = 0.3) -> bytes:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (np.sin(2 * np.pi * 220 * t) * amplitude * 32767).astype("<i2").tobytes()


def silence(seconds: float) -> bytes:
    return np.zeros(int(seconds * SAMPLE_RATE), dtype="<i2").tobytes()


def test_words_two_decodes_agree_on_are_confirmed_and_the_rest_stays_tentative() -> None:
    decoder = ScriptedDecoder(("a red", "en", 0.9), ("a red house", "en", 0.9), ("a red house with", "en", 0.9))
    session = StreamingSession(decoder, max_seconds=10)
    session.feed(tone(1))
    first = session.step()
    session.feed(tone(1))
    second = session.step()
    session.feed(tone(1))
    third = session.step()

    assert (first.confirmed, first.tentative) == ("", "a red")
    assert (second.confirmed, second.tentative) == ("a", "red house")
    assert (third.confirmed, third.tentative) == ("a red", "house with")


def test_a_word_heard_at_the_edge_of_the_audio_is_not_confirmed_by_the_next_look_alone() -> None:
    decoder = ScriptedDecoder(("please drop", "en", 0.9), ("please drop it", "en", 0.9), ("please draw a", "en", 0.9))
    session = StreamingSession(decoder, max_seconds=10)
    for _ in range(3):
        session.feed(tone(0.5))
        last = session.step()

    assert (last.confirmed, last.tentative) == ("please", "draw a")


def test_confirmed_words_are_never_taken_back_when_a_later_decode_disagrees() -> None:
    decoder = ScriptedDecoder(("a red", "en", 0.9), ("a red house", "en", 0.9), ("the bread house", "en", 0.9))
    session = StreamingSession(decoder, max_seconds=10)
    for _ in range(3):
        session.feed(tone(1))
        last = session.step()

    assert last.confirmed == "a"
    assert last.tentative == ""


def test_the_full_decode_at_a_pause_replaces_words_quick_looks_confirmed_wrongly() -> None:
    decoder = ScriptedDecoder(("the red", "en", 0.9), ("the red hose", "en", 0.9), ("a bed house", "en", 0.9))
    session = StreamingSession(decoder, max_seconds=10, detector=EnergyDetector())
    session.feed(tone(1))
    session.step()
    session.feed(tone(1))
    glimpse = session.step()
    session.feed(silence(0.4))
    paused = session.step()

    assert glimpse.confirmed == "the"
    assert (paused.confirmed, paused.tentative, paused.settled) == ("a bed house", "", True)


def test_the_language_of_quick_looks_is_fixed_after_the_first_confident_detection() -> None:
    decoder = ScriptedDecoder(("ein", "de", 0.5), ("ein rotes", "de", 0.95), ("ein rotes haus", "de", 0.99))
    session = StreamingSession(decoder, max_seconds=10)
    for _ in range(3):
        session.feed(tone(1))
        session.step()

    assert decoder.languages_asked == [None, None, "de"]
    assert decoder.looks == [Look.QUICK] * 3


def test_while_speech_goes_on_the_session_takes_quick_looks_and_at_a_pause_one_full_decode() -> None:
    decoder = ScriptedDecoder(("a red", "en", 0.9), ("a red house", "en", 0.9))
    session = StreamingSession(decoder, max_seconds=10, detector=EnergyDetector())
    session.feed(tone(1))
    session.step()
    session.feed(silence(0.4))
    paused = session.step()
    session.feed(silence(0.4))
    session.step()  # more silence: nothing new to decode (the decoder has no answer left)

    assert decoder.looks == [Look.QUICK, Look.FULL]
    assert (paused.confirmed, paused.tentative) == ("a red house", "")  # nothing was cut at a pause


def test_the_full_decode_detects_the_language_itself_unless_the_person_chose_one() -> None:
    auto = ScriptedDecoder(("ein", "de", 0.99), ("ein rotes haus", "de", 0.99), ("ein rotes haus", "de", 0.99))
    session = StreamingSession(auto, max_seconds=10, detector=EnergyDetector())
    session.feed(tone(1))
    session.step()
    session.feed(tone(1))
    session.step()
    session.feed(silence(0.4))
    session.step()

    chosen = ScriptedDecoder(("ein", None, 0.0), ("ein rotes haus", None, 0.0))
    told = StreamingSession(chosen, max_seconds=10, language="de", detector=EnergyDetector())
    told.feed(tone(1))
    told.step()
    told.feed(silence(0.4))
    told.step()

    assert list(zip(auto.looks, auto.languages_asked, strict=True)) == [
        (Look.QUICK, None),
        (Look.QUICK, "de"),
        (Look.FULL, None),
    ]
    assert chosen.languages_asked == ["de", "de"]
    assert told.finish().language == "de"


class LateVad:
    """A VAD that, like Silero, hears a pause only some time after the voice went quiet."""

    def __init__(self, *, hears_the_pause_after_s: float) -> None:
        self.lag = int(hears_the_pause_after_s * SAMPLE_RATE)

    def speech_ends_at(self, samples: np.ndarray) -> int | None:
        loud_until = EnergyDetector().speech_ends_at(samples)
        if loud_until is None:
            return None
        return loud_until if len(samples) - loud_until >= self.lag else len(samples)


def test_a_voice_going_quiet_holds_back_the_quick_look_so_the_pause_full_decode_starts_at_once() -> None:
    decoder = ScriptedDecoder(("a red", "en", 0.9), ("a red house", "en", 0.9))
    session = StreamingSession(decoder, max_seconds=10, detector=LateVad(hears_the_pause_after_s=0.2))
    session.feed(tone(1))
    session.step()
    session.feed(silence(0.15))  # quiet, but the VAD is not sure yet
    held_back = session.step()
    waiting = session.has_new_audio()
    session.feed(silence(0.1))
    paused = session.step()

    assert held_back is None  # nothing new to show
    assert not waiting  # and nothing to do until the next frame
    assert decoder.looks == [Look.QUICK, Look.FULL]
    assert paused.settled and paused.confirmed == "a red house"


def test_a_quiet_stretch_the_vad_still_calls_speech_gets_its_quick_look_after_a_short_wait() -> None:
    decoder = ScriptedDecoder(("a red", "en", 0.9), ("a red house", "en", 0.9))
    session = StreamingSession(decoder, max_seconds=10, detector=LateVad(hears_the_pause_after_s=5))
    session.feed(tone(1))
    session.step()
    looks_during_the_wait = []
    for _ in range(8):  # 0.3 s until a step is due, then at most QUIET_WAIT_S (0.3 s) of waiting
        session.feed(silence(0.1))
        if session.has_new_audio():
            session.step()
        looks_during_the_wait.append(len(decoder.looks))

    assert looks_during_the_wait == [1, 1, 1, 1, 1, 2, 2, 2]
    assert decoder.looks == [Look.QUICK, Look.QUICK]


def test_stop_after_a_pause_reuses_its_full_decode_without_decoding_again() -> None:
    decoder = ScriptedDecoder(("a red hous", "en", 0.9), ("a red house", "en", 0.9))
    session = StreamingSession(decoder, max_seconds=10, detector=EnergyDetector())
    session.feed(tone(2))
    session.step()
    session.feed(silence(0.8))
    session.step()

    final = session.finish()

    assert final.decoded_at_stop
    assert final.text == "a red house" and final.language == "en"
    assert decoder.answers == []  # no decode after Stop


def test_stop_after_a_quick_look_decodes_in_full_rather_than_trusting_the_glimpse() -> None:
    decoder = ScriptedDecoder(("a red hous", "en", 0.9), ("a red house", "en", 0.9))
    session = StreamingSession(decoder, max_seconds=10, detector=EnergyDetector())
    session.feed(tone(2))
    session.step()
    session.feed(silence(0.1))

    final = session.finish()

    assert not final.decoded_at_stop
    assert final.text == "a red house"
    assert decoder.looks == [Look.QUICK, Look.FULL]


def test_choosing_another_language_after_a_pause_makes_stop_decode_again_in_that_language() -> None:
    decoder = ScriptedDecoder(("a red", "en", 0.9), ("a red house", "en", 0.9), ("ein rotes haus", None, 0.0))
    session = StreamingSession(decoder, max_seconds=10, detector=EnergyDetector())
    session.feed(tone(1))
    session.step()
    session.feed(silence(0.5))
    session.step()
    session.set_language("de")

    final = session.finish()

    assert (final.text, final.language, final.decoded_at_stop) == ("ein rotes haus", "de", False)
    assert decoder.languages_asked[-1] == "de"


def test_stop_right_after_new_speech_decodes_the_tail() -> None:
    decoder = ScriptedDecoder(("a red", "en", 0.9), ("a red", "en", 0.9), ("a red house", "en", 0.9))
    session = StreamingSession(decoder, max_seconds=10, detector=EnergyDetector())
    session.feed(tone(1))
    session.step()
    session.feed(silence(0.5))
    session.step()  # the pause's full decode
    session.feed(tone(1))

    final = session.finish()

    assert not final.decoded_at_stop
    assert final.text == "a red house"
    assert decoder.looks == [Look.QUICK, Look.FULL, Look.FULL]


def test_the_final_audio_is_the_whole_stream_as_16_khz_mono_wav() -> None:
    session = StreamingSession(ScriptedDecoder(("hi", "en", 0.9)), max_seconds=10)
    session.feed(tone(1.5))

    final = session.finish()

    with wave.open(io.BytesIO(final.wav)) as file:
        assert (file.getnchannels(), file.getframerate(), file.getsampwidth()) == (1, SAMPLE_RATE, 2)
        assert file.getnframes() == int(1.5 * SAMPLE_RATE)


def test_a_stream_past_its_length_limit_is_refused_and_the_buffer_never_grows_past_it() -> None:
    session = StreamingSession(ScriptedDecoder(), max_seconds=1)
    session.feed(tone(0.9))

    with pytest.raises(AudioError, match="limit is 1 s"):
        session.feed(tone(0.2))
    assert session.heard_s == pytest.approx(0.9)


def test_a_sample_split_across_two_frames_is_joined_not_dropped() -> None:
    session = StreamingSession(ScriptedDecoder(), max_seconds=1)
    data = tone(0.1)
    session.feed(data[:101])
    session.feed(data[101:])

    assert session.heard_s == pytest.approx(0.1)


def test_stopping_a_silent_stream_says_nothing_was_heard() -> None:
    session = StreamingSession(ScriptedDecoder(), max_seconds=5)
    session.feed(silence(2))

    with pytest.raises(AudioError, match="Nothing was heard"):
        session.finish()


def test_silence_is_not_decoded_so_whisper_cannot_confirm_words_it_invents_there() -> None:
    decoder = ScriptedDecoder(("a red", "en", 0.9))
    session = StreamingSession(decoder, max_seconds=10, detector=EnergyDetector())
    session.feed(silence(1))
    assert session.step().tentative == ""
    session.feed(tone(1))

    assert session.step().tentative == "a red"
    assert len(decoder.languages_asked) == 1


def test_past_one_whisper_window_partials_stop_and_stop_transcribes_the_whole_clip() -> None:
    from core.domain.ports import Transcript

    class WholeClip:
        model_id = "whole"

        def transcribe(self, clip, *, language=None):
            return Transcript(text="the whole story", language="en", duration_s=clip.duration_s)

    session = StreamingSession(ScriptedDecoder(), max_seconds=40, transcriber=WholeClip())
    session.feed(tone(31))
    session.step()

    assert not session.has_new_audio()  # the route's decode loop does not spin
    assert session.finish().text == "the whole story"
