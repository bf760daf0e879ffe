"""Telephone audio for voice tests, as Twilio Media Streams carry it (8 kHz μ-law, 20 ms frames): speech
synthesised by espeak-ng, silence, line noise.
"""

from __future__ import annotations

import subprocess
import tempfile
import wave
from functools import lru_cache
from pathlib import Path

import numpy as np

from voice.audio import FRAME_BYTES, FRAME_MS, RATE, frames, pcm16_to_ulaw, resample, ulaw_to_pcm16

ULAW_SILENCE = b"\xff"  # μ-law code of a zero sample


@lru_cache
def spoken(text: str, voice: str) -> tuple[bytes, ...]:
    """μ-law frames of `text` said by espeak-ng's `voice`, without the synthesiser's silent padding."""
    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "spoken.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-w", str(wav), text], check=True, capture_output=True)
        with wave.open(str(wav)) as reader:
            rate = reader.getframerate()
            samples = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
    sounding = np.flatnonzero(samples)
    trimmed = samples[sounding[0] : sounding[-1] + 1].tobytes()
    return tuple(frames(pcm16_to_ulaw(resample(trimmed, rate, RATE))))


def silence(ms: int) -> list[bytes]:
    return [ULAW_SILENCE * FRAME_BYTES] * (ms // FRAME_MS)


def line_noise(ms: int, dbfs: float = -45.0, seed: int = 7) -> list[bytes]:
    """Steady white noise at `dbfs` RMS, the hiss of a poor line."""
    count = RATE * ms // 1000
    noise = np.random.default_rng(seed).normal(0.0, 32768 * 10 ** (dbfs / 20), count)
    return frames(pcm16_to_ulaw(np.clip(noise, -32768, 32767).astype("<i2").tobytes()))


def tone(ms: int, hz: float = 440.0, dbfs: float = -20.0) -> list[bytes]:
    seconds = np.arange(RATE * ms // 1000) / RATE
    amplitude = 32768 * 10 ** (dbfs / 20) * np.sqrt(2)  # a sine's RMS is its peak over √2
    return frames(pcm16_to_ulaw((amplitude * np.sin(2 * np.pi * hz * seconds)).astype("<i2").tobytes()))


def mixed(a: list[bytes], b: list[bytes]) -> list[bytes]:
    """Two μ-law frame sequences of the same length heard at once."""
    pcm = [np.frombuffer(ulaw_to_pcm16(b"".join(x)), dtype="<i2").astype(np.int32) for x in (a, b)]
    return frames(pcm16_to_ulaw(np.clip(pcm[0] + pcm[1], -32768, 32767).astype("<i2").tobytes()))


def decoded(ulaw_frames: list[bytes] | tuple[bytes, ...]) -> list[bytes]:
    """Each frame decoded to PCM16, as the call session hands frames to a recognizer."""
    return [ulaw_to_pcm16(frame) for frame in ulaw_frames]
