"""Turn a recording or an upload into mono 16 kHz float32 speech, or say clearly why not.

soundfile decodes WAV, FLAC, OGG and MP3 without ffmpeg; soxr resamples, so torchaudio is not needed.
"""

from __future__ import annotations

import io
from pathlib import PurePath

import numpy as np

from core.config import MAX_AUDIO_SECONDS, MAX_UPLOAD_BYTES
from core.errors import AudioError
from core.ports import SAMPLE_RATE, AudioClip

SUPPORTED_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3")
# Peak amplitude below this (about -60 dBFS) is treated as silence: there is nothing to transcribe.
SILENCE_PEAK = 1e-3
MIN_SPEECH_SECONDS = 0.3


def decode_audio(
    data: bytes,
    *,
    filename: str | None = None,
    max_seconds: float = MAX_AUDIO_SECONDS,
    max_bytes: int = MAX_UPLOAD_BYTES,
) -> AudioClip:
    """Decode `data`, mix to mono and resample to 16 kHz; raise AudioError with what to do."""
    _check_name_and_size(data, filename, max_bytes)
    samples, rate = _read(data)
    duration = len(samples) / rate if rate else 0.0
    if duration > max_seconds:
        raise AudioError(
            f"The recording is {duration:.0f} s long; the limit is {max_seconds:.0f} s. "
            "Record a shorter description or trim the file."
        )
    if duration < MIN_SPEECH_SECONDS:
        raise AudioError("The recording is too short to hold speech. Record a sentence or two and try again.")
    mono = samples.mean(axis=1) if samples.ndim == 2 else samples
    mono = np.nan_to_num(mono.astype(np.float32, copy=False))
    if float(np.max(np.abs(mono))) < SILENCE_PEAK:
        raise AudioError(
            "The recording is silent. Check that the right microphone is selected and not muted, then record again."
        )
    return AudioClip(samples=_resample(mono, rate))


def _check_name_and_size(data: bytes, filename: str | None, max_bytes: int) -> None:
    if filename:
        suffix = PurePath(filename).suffix.lower()
        if suffix and suffix not in SUPPORTED_EXTENSIONS:
            raise AudioError(
                f"'{suffix}' files are not supported. Upload WAV, FLAC, OGG or MP3, or record in the browser."
            )
    if not data:
        raise AudioError("The audio file is empty (0 bytes). Record again or upload another file.")
    if len(data) > max_bytes:
        raise AudioError(
            f"The audio file is {len(data) / 2**20:.1f} MB; the limit is {max_bytes / 2**20:.0f} MB. "
            "Upload a shorter or compressed recording (FLAC, OGG or MP3)."
        )


def _read(data: bytes) -> tuple[np.ndarray, int]:
    import soundfile

    try:
        samples, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=False)
    except (soundfile.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise AudioError(
            "This file could not be read as audio: it may be damaged or not really WAV, FLAC, OGG or MP3. "
            "Record again or export the file once more."
        ) from exc
    return samples, int(rate)


def _resample(mono: np.ndarray, rate: int) -> np.ndarray:
    if rate == SAMPLE_RATE:
        return np.ascontiguousarray(mono)
    import soxr

    resampled: np.ndarray = soxr.resample(mono, rate, SAMPLE_RATE, quality="HQ")
    return resampled.astype(np.float32, copy=False)
