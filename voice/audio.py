"""Telephone audio: G.711 μ-law at 8 kHz in 20 ms frames (what Twilio Media Streams carries), to and from
16-bit linear PCM, resampling between rates, and WAV files read into either.
"""

from __future__ import annotations

import io
import os
import wave

import numpy as np

RATE = 8000
FRAME_MS = 20
FRAME_BYTES = RATE * FRAME_MS // 1000  # one μ-law byte per sample: 160 bytes per frame

_BIAS = 0x84
_CLIP = 8159  # the largest 14-bit magnitude G.711 encodes


def _decode_table() -> np.ndarray:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = (((mantissa << 3) + _BIAS) << exponent) - _BIAS
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


_DECODE = _decode_table()


def ulaw_to_pcm16(ulaw: bytes) -> bytes:
    """μ-law bytes to little-endian signed 16-bit samples (twice as many bytes)."""
    return _DECODE[np.frombuffer(ulaw, dtype=np.uint8)].astype("<i2").tobytes()


def pcm16_to_ulaw(pcm: bytes) -> bytes:
    """Little-endian signed 16-bit samples to μ-law bytes (ITU-T G.711, on 14-bit magnitudes)."""
    samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype="<i2").astype(np.int32) >> 2
    mask = np.where(samples < 0, 0x7F, 0xFF)
    magnitude = np.minimum(np.abs(samples), _CLIP) + (_BIAS >> 2)
    segment = np.maximum(np.floor(np.log2(magnitude)).astype(np.int32) - 5, 0)
    code = np.where(segment > 7, 0x7F, (np.minimum(segment, 7) << 4) | ((magnitude >> (segment + 1)) & 0x0F))
    return (code ^ mask).astype(np.uint8).tobytes()


def resample(pcm: bytes, from_rate: int, to_rate: int) -> bytes:
    """16-bit mono PCM from one rate to another; a moving-average low-pass first when going down."""
    if from_rate == to_rate or not pcm:
        return pcm
    samples = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype="<i2").astype(np.float64)
    if to_rate < from_rate:
        width = max(1, round(from_rate / to_rate))
        if width > 1:
            samples = np.convolve(samples, np.ones(width) / width, mode="same")
    count = max(1, round(len(samples) * to_rate / from_rate))
    positions = np.linspace(0, len(samples) - 1, count)
    out = np.interp(positions, np.arange(len(samples)), samples)
    return np.clip(np.round(out), -32768, 32767).astype("<i2").tobytes()


def frames(ulaw: bytes, size: int = FRAME_BYTES) -> list[bytes]:
    """Cut μ-law audio into frames of `size` bytes, the last padded with μ-law silence (0xFF)."""
    chunks = [ulaw[i : i + size] for i in range(0, len(ulaw), size)]
    if chunks and len(chunks[-1]) < size:
        chunks[-1] = chunks[-1] + b"\xff" * (size - len(chunks[-1]))
    return chunks


def read_wav(source: str | os.PathLike[str] | bytes) -> tuple[bytes, int]:
    """A PCM WAV file (a path, or its bytes) as 16-bit mono samples and their rate; stereo is mixed down."""
    try:
        with wave.open(io.BytesIO(source) if isinstance(source, bytes) else os.fspath(source), "rb") as wav:
            width, channels, rate = wav.getsampwidth(), wav.getnchannels(), wav.getframerate()
            data = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise ValueError(f"not a PCM WAV file: {exc or 'empty'}") from exc
    if width != 2:
        raise ValueError(f"WAV samples are {8 * width}-bit; only 16-bit PCM is supported")
    if channels == 1:
        return data, rate
    samples = np.frombuffer(data, dtype="<i2").reshape(-1, channels).astype(np.int32)
    mono = np.round(samples.mean(axis=1)).astype("<i2")
    return mono.tobytes(), rate


def wav_to_ulaw_frames(source: str | os.PathLike[str] | bytes) -> list[bytes]:
    """A WAV file as 20 ms μ-law frames at 8 kHz, ready to stream to a call."""
    pcm, rate = read_wav(source)
    return frames(pcm16_to_ulaw(resample(pcm, rate, RATE)))
