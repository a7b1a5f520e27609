"""Hostile audio: limits judged from the header before decoding, memory bounded when the header lies."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from core.domain.errors import AudioError
from core.speech.audio import MAX_CHANNELS, decode_audio
from tests.fixtures.hostile_audio import encode, silent_flac, tone_samples, with_last_ogg_granule

ROOT = Path(__file__).resolve().parents[2]
# The whole 300 s an upload may hold, as mono 16 kHz float32, is 19 MB; decoding may use a few times that.
MEMORY_BOUND_MB = 200
# Address space for the measuring process: decoding the hour whole (5.5 GB) cannot fit, so the old
# behaviour fails fast with MemoryError instead of taking the shared machine's memory.
ADDRESS_SPACE_LIMIT = 3 * 2**30

_MEASURE = textwrap.dedent(
    """
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
    from core.speech.audio import decode_audio
    from core.domain.errors import AudioError
    data = open(sys.argv[1], "rb").read()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    try:
        outcome = "decoded %.1f s" % decode_audio(data, filename=sys.argv[1]).duration_s
    except AudioError as exc:
        outcome = "refused: %s" % exc
    except MemoryError:
        outcome = "MemoryError"
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(outcome)
    print((after - before) // 1024)
    """
)


def decode_measuring_memory(data: bytes, tmp_path: Path, name: str) -> tuple[str, int]:
    """Decode in a fresh process; its outcome and how many MB its peak resident memory grew by."""
    path = tmp_path / name
    path.write_bytes(data)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE.format(limit=ADDRESS_SPACE_LIMIT), str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    outcome, grown_mb = result.stdout.strip().splitlines()
    return outcome, int(grown_mb)


def test_an_hour_of_eight_channel_flac_is_refused_from_its_header_in_bounded_memory(tmp_path):
    data = silent_flac(3600)
    assert len(data) < 2 * 2**20  # small enough for any upload limit

    outcome, grown_mb = decode_measuring_memory(data, tmp_path, "hour.flac")

    assert outcome.startswith("refused: The recording is 3600 s long; the limit is 300 s")
    assert grown_mb < MEMORY_BOUND_MB


def test_a_flac_whose_header_claims_a_huge_length_is_refused_without_allocating_it(tmp_path):
    outcome, grown_mb = decode_measuring_memory(silent_flac(10, header_samples=2**36 - 1), tmp_path, "huge.flac")

    assert outcome.startswith("refused:") and "the limit is 300 s" in outcome
    assert grown_mb < MEMORY_BOUND_MB


def test_an_ogg_whose_header_claims_a_huge_length_decodes_what_it_holds_in_bounded_memory(tmp_path):
    forged = with_last_ogg_granule(encode(tone_samples(2.9)), 2**40)  # claims 2 years at 16 kHz

    outcome, grown_mb = decode_measuring_memory(forged, tmp_path, "huge.ogg")

    assert outcome == "decoded 2.9 s"
    assert grown_mb < MEMORY_BOUND_MB


def test_a_flac_of_unknown_length_is_decoded_only_up_to_the_limit(tmp_path):
    # STREAMINFO's length 0 means "unknown": only decoding can tell, and decoding must stop at the limit.
    outcome, grown_mb = decode_measuring_memory(silent_flac(3600, header_samples=0), tmp_path, "unknown.flac")

    assert outcome == "refused: The recording goes on past the limit; the limit is 300 s. " + (
        "Record a shorter description or trim the file."
    )
    assert grown_mb < MEMORY_BOUND_MB


def test_a_flac_of_unknown_length_within_the_limit_is_decoded():
    samples = tone_samples(2.0, rate=48_000)
    data = bytearray(encode(samples, rate=48_000, fmt="FLAC"))
    data[21:26] = bytes([data[21] & 0xF0, 0, 0, 0, 0])  # the low 36 bits of STREAMINFO's length: unknown

    clip = decode_audio(bytes(data), filename="stream.flac")

    assert clip.duration_s == pytest.approx(2.0, abs=0.05)


def test_an_ogg_whose_header_understates_its_length_is_judged_by_its_decoded_audio():
    honest = encode(tone_samples(2.9))
    understated = with_last_ogg_granule(honest, 1_600)  # claims 0.1 s

    clip = decode_audio(understated, filename="note.ogg")

    assert clip.duration_s == pytest.approx(2.9, abs=0.05)


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_a_float_wav_holding_non_finite_samples_is_refused_as_damaged(bad):
    samples = tone_samples(2.0)
    samples[8_000:8_010] = bad
    data = encode(samples, fmt="WAV", subtype="FLOAT")

    with pytest.raises(AudioError, match="invalid samples"):
        decode_audio(data, filename="float.wav")


def test_a_float_wav_with_huge_finite_samples_does_not_overflow_when_mixed():
    stereo = np.stack([tone_samples(1.0)] * 2, axis=1) * np.float32(3e38)
    clip = decode_audio(encode(stereo, fmt="WAV", subtype="FLOAT"), filename="loud.wav")
    assert np.isfinite(clip.samples).all()


def test_more_channels_than_a_recorder_makes_are_refused_before_decoding():
    many = np.zeros((16_000, MAX_CHANNELS + 4), np.float32)
    many[:, 0] = tone_samples(1.0)
    with pytest.raises(AudioError, match=f"12 channels; at most {MAX_CHANNELS}"):
        decode_audio(encode(many, fmt="WAV"), filename="array.wav")


def test_the_committed_mp3_clip_still_decodes():
    clip = decode_audio((ROOT / "tests/fixtures/audio/tower.mp3").read_bytes(), filename="tower.mp3")
    assert clip.duration_s > 1.0 and np.isfinite(clip.samples).all()
