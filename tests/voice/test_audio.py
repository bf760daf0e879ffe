from __future__ import annotations

import io
import warnings
import wave
from pathlib import Path

import numpy as np
import pytest

from voice.audio import (
    FRAME_BYTES,
    RATE,
    frames,
    pcm16_to_ulaw,
    read_wav,
    resample,
    ulaw_to_pcm16,
    wav_to_ulaw_frames,
)

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    try:
        import audioop  # the reference G.711: deprecated, and gone from Python 3.13
    except ImportError:
        audioop = None
needs_audioop = pytest.mark.skipif(audioop is None, reason="audioop left the standard library in 3.13")

EVERY_SAMPLE = np.arange(-32768, 32768, dtype="<i2").tobytes()
EVERY_CODE = bytes(range(256))


def tone(frequency: float, rate: int, seconds: float, amplitude: int = 12000) -> bytes:
    t = np.arange(round(rate * seconds)) / rate
    return np.round(amplitude * np.sin(2 * np.pi * frequency * t)).astype("<i2").tobytes()


def peak_frequency(pcm: bytes, rate: int) -> float:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[np.argmax(spectrum)])


def wav_bytes(pcm: bytes, rate: int, channels: int = 1, width: int = 2) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(pcm)
    return out.getvalue()


@needs_audioop
def test_encoding_matches_audioop_for_every_16_bit_sample() -> None:
    assert pcm16_to_ulaw(EVERY_SAMPLE) == audioop.lin2ulaw(EVERY_SAMPLE, 2)


@needs_audioop
def test_decoding_matches_audioop_for_every_code() -> None:
    assert ulaw_to_pcm16(EVERY_CODE) == audioop.ulaw2lin(EVERY_CODE, 2)


def test_every_code_survives_a_round_trip_but_negative_zero() -> None:
    back = pcm16_to_ulaw(ulaw_to_pcm16(EVERY_CODE))
    changed = {code: back[code] for code in range(256) if back[code] != code}
    assert changed == {0x7F: 0xFF}  # both mean 0; the encoder writes the positive one


def test_a_sample_comes_back_within_the_quantisation_error() -> None:
    samples = np.frombuffer(EVERY_SAMPLE, dtype="<i2").astype(np.int32)
    back = np.frombuffer(ulaw_to_pcm16(pcm16_to_ulaw(EVERY_SAMPLE)), dtype="<i2").astype(np.int32)
    within_range = np.abs(samples) <= 32124  # beyond it G.711 clips
    error = np.abs(back - samples)[within_range]
    assert np.all(error <= np.abs(samples[within_range]) / 16 + 8)


def test_odd_trailing_byte_is_ignored() -> None:
    assert pcm16_to_ulaw(b"\x00\x10\x7f") == pcm16_to_ulaw(b"\x00\x10")


@pytest.mark.parametrize(
    ("from_rate", "to_rate"), [(22050, 8000), (8000, 16000), (16000, 8000), (44100, 8000)]
)
def test_resample_keeps_duration_and_pitch(from_rate: int, to_rate: int) -> None:
    out = resample(tone(440, from_rate, 1.0), from_rate, to_rate)
    assert len(out) // 2 == to_rate
    assert peak_frequency(out, to_rate) == pytest.approx(440, abs=2)


def test_resample_down_keeps_the_level_of_speech_frequencies() -> None:
    source = tone(440, 22050, 1.0)
    out = resample(source, 22050, 8000)
    rms = [np.sqrt(np.mean(np.frombuffer(pcm, dtype="<i2").astype(np.float64) ** 2)) for pcm in (source, out)]
    assert rms[1] == pytest.approx(rms[0], rel=0.05)


def test_resample_to_the_same_rate_or_of_nothing_returns_the_input() -> None:
    pcm = tone(440, RATE, 0.1)
    assert resample(pcm, RATE, RATE) is pcm
    assert resample(b"", 22050, RATE) == b""


def test_frames_pads_the_last_frame_with_ulaw_silence() -> None:
    chunks = frames(bytes(range(200)) * 2)
    assert [len(chunk) for chunk in chunks] == [FRAME_BYTES] * 3
    assert b"".join(chunks)[:400] == bytes(range(200)) * 2
    assert chunks[-1][80:] == b"\xff" * 80


def test_frames_of_whole_frames_or_nothing_add_nothing() -> None:
    assert frames(b"\x01" * (2 * FRAME_BYTES)) == [b"\x01" * FRAME_BYTES] * 2
    assert frames(b"") == []


def test_read_wav_from_bytes_and_from_a_path(tmp_path: Path) -> None:
    pcm = tone(440, 16000, 0.25)
    path = tmp_path / "tone.wav"
    path.write_bytes(wav_bytes(pcm, 16000))
    assert read_wav(path.read_bytes()) == (pcm, 16000)
    assert read_wav(path) == (pcm, 16000)
    assert read_wav(str(path)) == (pcm, 16000)


def test_read_wav_mixes_stereo_to_mono() -> None:
    left = np.array([1000, -2000, 3001, 32767], dtype="<i2")
    right = np.array([3000, -4000, 3000, 32767], dtype="<i2")
    interleaved = np.column_stack([left, right]).astype("<i2").tobytes()
    pcm, rate = read_wav(wav_bytes(interleaved, 8000, channels=2))
    assert rate == 8000
    assert np.frombuffer(pcm, dtype="<i2").tolist() == [2000, -3000, 3000, 32767]


@pytest.mark.parametrize("width", [1, 3, 4])
def test_read_wav_refuses_other_sample_widths(width: int) -> None:
    with pytest.raises(ValueError, match=f"{8 * width}-bit; only 16-bit"):
        read_wav(wav_bytes(b"\x00" * width * 100, 8000, width=width))


@pytest.mark.parametrize("data", [b"", b"RIFF\x00\x00", b"not a wav file at all, just words"])
def test_read_wav_refuses_what_is_not_a_wav_file(data: bytes) -> None:
    with pytest.raises(ValueError, match="not a PCM WAV file"):
        read_wav(data)


def test_wav_to_ulaw_frames_gives_8_khz_frames_of_the_same_tone() -> None:
    chunks = wav_to_ulaw_frames(wav_bytes(tone(440, 22050, 1.0), 22050))
    assert len(chunks) == RATE // FRAME_BYTES
    assert all(len(chunk) == FRAME_BYTES for chunk in chunks)
    assert peak_frequency(ulaw_to_pcm16(b"".join(chunks)), RATE) == pytest.approx(440, abs=2)
