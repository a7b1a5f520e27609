"""Turn a recording or an upload into mono 16 kHz float32 speech, or say clearly why not.

soundfile decodes WAV, FLAC, OGG and MP3 without ffmpeg; soxr resamples, so torchaudio is not needed.
Uploads come from strangers: the header is checked before decoding, and decoding runs in blocks that
stop at the length limit, so a small file claiming (or holding) hours of audio costs no more memory
than the longest accepted recording.
"""

from __future__ import annotations

import io
from pathlib import PurePath

import numpy as np

from core.config.settings import MAX_AUDIO_SECONDS, MAX_UPLOAD_BYTES
from core.domain.errors import AudioError
from core.domain.ports import SAMPLE_RATE, AudioClip

SUPPORTED_EXTENSIONS = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3")
# Peak amplitude below this (about -60 dBFS) is treated as silence: there is nothing to transcribe.
SILENCE_PEAK = 1e-3
MIN_SPEECH_SECONDS = 0.3
# Speech is recorded in mono or stereo; 8 covers multitrack recorders. Each block costs frames x channels.
MAX_CHANNELS = 8
MIN_RATE, MAX_RATE = 4_000, 384_000
BLOCK_FRAMES = 32_768
# libsndfile's "length unknown" (sf_count_t's maximum): such files are judged by what decodes.
_UNKNOWN_FRAMES = 2**63 - 1
_UNREADABLE = (
    "This file could not be read as audio: it may be damaged or not really WAV, FLAC, OGG or MP3. "
    "Record again or export the file once more."
)


def decode_audio(
    data: bytes,
    *,
    filename: str | None = None,
    max_seconds: float = MAX_AUDIO_SECONDS,
    max_bytes: int = MAX_UPLOAD_BYTES,
) -> AudioClip:
    """Decode `data`, mix to mono and resample to 16 kHz; raise AudioError with what to do."""
    _check_name_and_size(data, filename, max_bytes)
    decoded = _decode_with_libsndfile(data, max_seconds)
    if decoded is None or decoded.seconds < MIN_SPEECH_SECONDS:
        # libsndfile stops where the header says the audio ends and cannot stream a file of unknown
        # length; ffmpeg reads every packet, so a header that misstates the length does not decide.
        decoded = _decode_with_ffmpeg(data, max_seconds) or decoded
    if decoded is None:
        raise AudioError(_UNREADABLE)
    if decoded.seconds < MIN_SPEECH_SECONDS:
        raise AudioError("The recording is too short to hold speech. Record a sentence or two and try again.")
    if decoded.peak < SILENCE_PEAK:
        raise AudioError(
            "The recording is silent. Check that the right microphone is selected and not muted, then record again."
        )
    return AudioClip(samples=decoded.samples())


def too_long(seconds: float | None, max_seconds: float) -> AudioError:
    length = f"is {seconds:.0f} s long" if seconds is not None else "goes on past the limit"
    return AudioError(
        f"The recording {length}; the limit is {max_seconds:.0f} s. Record a shorter description or trim the file."
    )


class _Decoded:
    """Mono blocks resampled to 16 kHz as they arrive, refusing more than `max_seconds` of input."""

    def __init__(self, rate: int, max_seconds: float) -> None:
        import soxr

        self.rate = rate
        self.max_seconds = max_seconds
        self.max_frames = int(max_seconds * rate)
        self.frames = 0
        self.peak = 0.0
        self._chunks: list[np.ndarray] = []
        self._stream = None if rate == SAMPLE_RATE else soxr.ResampleStream(rate, SAMPLE_RATE, 1, quality="HQ")

    @property
    def seconds(self) -> float:
        return self.frames / self.rate

    def add(self, block: np.ndarray) -> None:
        """Take `block` (frames x channels, float32) or raise AudioError once the limit is passed."""
        if not np.isfinite(block).all():
            raise AudioError(
                "The recording holds invalid samples (infinite or not-a-number values), so it is damaged. "
                "Export it again as 16-bit WAV, FLAC, OGG or MP3, or record in the browser."
            )
        self.frames += len(block)
        if self.frames > self.max_frames:
            raise too_long(None, self.max_seconds)
        # Float files may hold values far above 1.0; averaging in float64 cannot overflow to infinity.
        mono = block.mean(axis=1, dtype=np.float64).astype(np.float32) if block.shape[1] > 1 else block[:, 0].copy()
        if len(mono):
            self.peak = max(self.peak, float(np.max(np.abs(mono))))
        self._chunks.append(self._stream.resample_chunk(mono) if self._stream else mono)

    def samples(self) -> np.ndarray:
        if self._stream is not None:
            self._chunks.append(self._stream.resample_chunk(np.zeros(0, np.float32), last=True))
            self._stream = None
        if not self._chunks:
            return np.zeros(0, np.float32)
        return np.ascontiguousarray(np.concatenate(self._chunks), dtype=np.float32)


def _decode_with_libsndfile(data: bytes, max_seconds: float) -> _Decoded | None:
    """The decoded audio; None when the header gives no length (soundfile cannot read such a stream)."""
    import soundfile

    try:
        with soundfile.SoundFile(io.BytesIO(data)) as file:
            _check_header(file.channels, file.samplerate, file.frames, max_seconds)
            if file.frames == _UNKNOWN_FRAMES:
                return None
            decoded = _Decoded(int(file.samplerate), max_seconds)
            while len(block := file.read(BLOCK_FRAMES, dtype="float32", always_2d=True)):
                decoded.add(block)
    except (soundfile.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise AudioError(_UNREADABLE) from exc
    return decoded


def _check_header(channels: int, rate: int, frames: int, max_seconds: float) -> None:
    """Refuse, before decoding anything, what the header already shows to be over the limits."""
    if not 1 <= channels <= MAX_CHANNELS:
        raise AudioError(
            f"The recording has {channels} channels; at most {MAX_CHANNELS} are accepted. "
            "Export it in mono or stereo and try again."
        )
    if not MIN_RATE <= rate <= MAX_RATE:
        raise AudioError(
            f"The recording's sample rate of {rate} Hz is not usable; export it at 16, 44.1 or 48 kHz and try again."
        )
    if frames != _UNKNOWN_FRAMES and frames / rate > max_seconds:
        raise too_long(frames / rate, max_seconds)


def _decode_with_ffmpeg(data: bytes, max_seconds: float) -> _Decoded | None:
    """A second opinion from ffmpeg (PyAV, installed with faster-whisper); None if it cannot decode either."""
    try:
        import av
    except ImportError:
        return None
    decoded = _Decoded(SAMPLE_RATE, max_seconds)
    try:
        with av.open(io.BytesIO(data), mode="r", metadata_errors="ignore") as container:
            stream = container.streams.audio[0]
            if stream.codec_context.channels > MAX_CHANNELS:
                return None
            resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
            for frame in container.decode(stream):
                for mono in resampler.resample(frame):
                    decoded.add(mono.to_ndarray().reshape(-1, 1))
            for mono in resampler.resample(None):
                decoded.add(mono.to_ndarray().reshape(-1, 1))
    except (av.FFmpegError, IndexError, ValueError, OSError):
        return None
    return decoded


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
