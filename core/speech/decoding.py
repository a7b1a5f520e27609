"""How Whisper decodes, whichever engine runs it: windows, beam width, warm-up and the token budget of a clip."""

from __future__ import annotations

import re

import numpy as np

from core.domain.ports import SAMPLE_RATE, AudioClip

WINDOW_S = 30.0  # Whisper hears 30 s at a time; longer audio is transcribed window after window
WARMUP_S = 1.0
WARMUP_TOKENS = 4
# Beam search (5, as openai-whisper and faster-whisper default to) heard "small boat" where greedy decoding
# (1, transformers' default) heard "small vote"; `make bench` measures the cost. WHISPER_BEAM_SIZE overrides it.
DEFAULT_BEAM_SIZE = 5
# Whisper's decoder holds 448 positions; the first 4 are the start tokens (start, language, task, no timestamps).
START_TOKENS = 4
MAX_NEW_TOKENS = 448 - START_TOKENS
# A clip's text budget: fast speech in a dense script (Chinese, Thai) stays under 20 tokens a second. A model that
# loops on one word (whisper-base did, taking French for Thai) then stops at the budget instead of at 448 tokens:
# measured on a 3 s clip, 727 s of beam search before, on a busy machine.
TOKENS_PER_SECOND = 20
TOKENS_ANY_CLIP = 24


def token_budget(duration_s: float) -> int:
    """The most tokens Whisper may write for one window of `duration_s` seconds of speech."""
    return min(MAX_NEW_TOKENS, TOKENS_ANY_CLIP + int(duration_s * TOKENS_PER_SECOND))


def warmup_clip() -> AudioClip:
    # Quiet noise rather than zeros: silence can take shortcuts that leave later code paths cold.
    noise = np.random.default_rng(0).normal(0.0, 0.01, int(SAMPLE_RATE * WARMUP_S)).astype(np.float32)
    return AudioClip(samples=noise)


def clean_text(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
