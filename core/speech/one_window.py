"""One window of speech through faster-whisper's CTranslate2 model with one encoder pass, for streaming.

faster-whisper's `transcribe` runs the encoder twice when it must detect the language (once to detect, once to
decode), and always over 30 s: on 2 cores whisper-base's encoder alone takes about 1 s of a 1.7 s decode. This
module encodes once and detects the language from that same encoder output, and it can encode a shorter window.

A shorter window is only for words shown while the person speaks (`Look.QUICK`): whisper-base was trained on
30 s windows, and on the accuracy set and the 5-10 s prompts a 10 s window raised the mean word error rate from
0.18 to 0.21 with beam 5, and to 0.35 greedy (docs/benchmarks.md): fine for a glimpse, not for the prompt.
The final text (`Look.FULL`) decodes the 30 s window with the configured beam, as a whole-clip transcription
does, and applies faster-whisper's own no-speech rule, so the streamed prompt is the text today's path gives
(the same words on all 23 clips measured).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np

from core.speech.decoding import WINDOW_S, clean_text, token_budget

FRAMES_PER_SECOND = 100  # Whisper's mel frames: a 10 ms hop
QUICK_WINDOW_S = 10.0
# faster-whisper's defaults for skipping a window that holds no speech (`transcribe`'s keyword defaults).
NO_SPEECH_THRESHOLD = 0.6
LOG_PROB_THRESHOLD = -1.0


class Look(Enum):
    QUICK = "quick"  # a short window: words while the person speaks
    FULL = "full"  # the 30 s window, the configured beam: the prompt


@dataclass(frozen=True)
class Heard:
    text: str
    language: str | None
    language_probability: float


def window_for(look: Look, duration_s: float) -> float:
    """Seconds of audio the encoder hears: the quick window only while the speech fits in it with a margin."""
    if look is Look.QUICK and duration_s + 1.0 <= QUICK_WINDOW_S:
        return QUICK_WINDOW_S
    return WINDOW_S


def decode_window(model: Any, samples: np.ndarray, *, language: str | None, look: Look, beam_size: int) -> Heard:
    """Decode `samples` (16 kHz float32, at most one 30 s window) with faster-whisper's `WhisperModel` `model`."""
    from faster_whisper.audio import pad_or_trim
    from faster_whisper.tokenizer import Tokenizer
    from faster_whisper.transcribe import get_suppressed_tokens

    duration_s = len(samples) / 16_000
    frames = int(window_for(look, duration_s) * FRAMES_PER_SECOND)
    features = model.feature_extractor(samples)
    # As faster-whisper does: the last frame is the padding's, and the window is padded with zeros in mel space.
    window = pad_or_trim(features[:, : max(features.shape[-1] - 1, 1)], frames)
    encoded = model.encode(window)
    probability = 1.0
    if language is None:
        if model.model.is_multilingual:
            token, probability = model.model.detect_language(encoded)[0][0]
            language = token[2:-2]
        else:
            language = "en"
    tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=language)
    prompt = model.get_prompt(tokenizer, [], without_timestamps=True)
    result = model.model.generate(
        encoded,
        [prompt],
        beam_size=beam_size,  # greedy looks cost 10 % less and got twice the errors: not worth it
        patience=1,
        length_penalty=1,
        max_length=len(prompt) + token_budget(duration_s),
        return_scores=True,
        return_no_speech_prob=True,
        suppress_blank=True,
        suppress_tokens=get_suppressed_tokens(tokenizer, [-1]),
    )[0]
    tokens = result.sequences_ids[0]
    average_log_prob = result.scores[0] * len(tokens) / (len(tokens) + 1)
    silent = result.no_speech_prob > NO_SPEECH_THRESHOLD and average_log_prob <= LOG_PROB_THRESHOLD
    text = "" if silent else clean_text(tokenizer.decode(tokens))
    return Heard(text=text, language=language, language_probability=float(probability))
