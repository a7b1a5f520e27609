"""Where speech ends in a buffer of audio: the pause a streaming session waits for (core.speech.streaming).

Silero VAD (an ONNX model shipped in faster-whisper's wheel) where faster-whisper is installed; otherwise a plain
energy rule, which is also what tests use for clean tones and silences.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from core.domain.ports import SAMPLE_RATE

# Below this peak (about -50 dBFS) the new audio is silence without asking the VAD.
QUIET_PEAK = 0.003


class SpeechDetector(Protocol):
    def speech_ends_at(self, samples: np.ndarray) -> int | None:
        """The sample index where the last speech in `samples` ends; None when there is none."""
        ...


class EnergyDetector:
    """Speech is where 30 ms frames rise well above the quietest ones: enough for clean recordings and tests."""

    def speech_ends_at(self, samples: np.ndarray) -> int | None:
        frame = int(0.03 * SAMPLE_RATE)
        count = len(samples) // frame
        if count == 0:
            return None
        levels = np.sqrt(np.mean(samples[: count * frame].reshape(count, frame) ** 2, axis=1))
        floor = float(np.percentile(levels, 10))
        # Well above the noise floor, but never above a plainly audible level (a steady voice is its own floor).
        loud = np.nonzero(levels > max(min(4 * floor, 0.02), QUIET_PEAK))[0]
        return None if len(loud) == 0 else int((loud[-1] + 1) * frame)


class SileroDetector:
    """faster-whisper's Silero VAD (an ONNX model in its wheel).

    A segment ends after 150 ms of silence, and its end is where that silence began: no pad. The session's pause
    is measured from it, and a 100 ms pad only made the pause's decode start later (0.03-0.05 s at Stop)."""

    def speech_ends_at(self, samples: np.ndarray) -> int | None:
        from faster_whisper.vad import VadOptions, get_speech_timestamps

        spans = get_speech_timestamps(samples, VadOptions(min_silence_duration_ms=150, speech_pad_ms=0))
        return int(spans[-1]["end"]) if spans else None


def default_detector() -> SpeechDetector:
    try:
        import faster_whisper.vad  # noqa: F401
    except ImportError:
        return EnergyDetector()
    return SileroDetector()
