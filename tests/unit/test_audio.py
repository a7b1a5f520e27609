import numpy as np
import pytest

from core.domain.errors import AudioError
from core.speech.audio import decode_audio
from tests.fakes import tone


def test_stereo_44k_wav_becomes_mono_16k_of_the_same_length():
    clip = decode_audio(tone(2.0, rate=44_100, channels=2), filename="take.wav")
    assert clip.sample_rate == 16_000
    assert clip.samples.ndim == 1 and clip.samples.dtype == np.float32
    assert clip.duration_s == pytest.approx(2.0, abs=0.01)


def test_resampling_keeps_the_pitch():
    clip = decode_audio(tone(1.0, rate=48_000))
    spectrum = np.abs(np.fft.rfft(clip.samples))
    peak_hz = np.argmax(spectrum) * clip.sample_rate / len(clip.samples)
    assert peak_hz == pytest.approx(440, abs=2)


@pytest.mark.parametrize("fmt", ["FLAC", "OGG", "MP3"])
def test_compressed_formats_decode(fmt):
    clip = decode_audio(tone(1.0, rate=22_050, fmt=fmt), filename=f"x.{fmt.lower()}")
    assert clip.duration_s == pytest.approx(1.0, abs=0.1)


def test_empty_upload_asks_to_record_again():
    with pytest.raises(AudioError, match="empty"):
        decode_audio(b"", filename="x.wav")


def test_text_file_named_wav_is_refused_as_not_audio():
    with pytest.raises(AudioError, match="could not be read as audio"):
        decode_audio(b"just some notes, not sound\n" * 20, filename="notes.wav")


def test_corrupt_wav_header_is_refused_as_damaged():
    data = bytearray(tone(1.0))
    data[12:36] = b"\xff" * 24  # overwrite the fmt chunk
    with pytest.raises(AudioError, match="damaged"):
        decode_audio(bytes(data), filename="broken.wav")


def test_silence_is_refused_with_a_microphone_hint():
    with pytest.raises(AudioError, match="silent"):
        decode_audio(tone(2.0, amplitude=0.0))


def test_audio_over_the_length_limit_names_the_limit():
    with pytest.raises(AudioError, match="limit is 5 s"):
        decode_audio(tone(6.0), max_seconds=5)


def test_upload_over_the_size_limit_names_the_limit():
    with pytest.raises(AudioError, match="limit is 1 MB"):
        decode_audio(tone(40.0), max_bytes=2**20)


def test_unsupported_format_lists_the_supported_ones():
    with pytest.raises(AudioError, match="WAV, FLAC, OGG or MP3"):
        decode_audio(b"\x00\x00\x00\x18ftypM4A ", filename="memo.m4a")
