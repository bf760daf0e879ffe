"""Voice activity on the telephone line: is this 20 ms frame speech, and has the person finished speaking?

Energy against an adaptive noise floor: a frame is voiced when it is loud enough in absolute terms and
clearly above the quietest part of the last second, so a line's steady hiss or hum never counts as speech.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from voice.audio import FRAME_MS

SILENT_DBFS = -100.0  # the level given to digital silence, where the logarithm has no value

_FLOOR_WINDOW_FRAMES = 1000 // FRAME_MS  # the noise floor is measured over the last second
_FLOOR_PERCENTILE = 10


def level_dbfs(pcm_frame: bytes) -> float:
    """RMS level of 16-bit PCM in dB relative to full scale (0 dBFS is the loudest square wave)."""
    samples = np.frombuffer(pcm_frame[: len(pcm_frame) - len(pcm_frame) % 2], dtype="<i2")
    if not samples.size:
        return SILENT_DBFS
    rms = math.sqrt(float(np.mean(samples.astype(np.float64) ** 2)))
    return max(SILENT_DBFS, 20 * math.log10(rms / 32768)) if rms else SILENT_DBFS


class VoiceActivity:
    """Follows one utterance frame by frame; `reset()` starts the next one and keeps the noise floor."""

    def __init__(self, margin_db: float = 10.0, min_dbfs: float = -50.0, start_ms: int = 60) -> None:
        self.margin_db = margin_db
        self.min_dbfs = min_dbfs
        self._start_frames = max(1, start_ms // FRAME_MS)
        self._levels: deque[float] = deque(maxlen=_FLOOR_WINDOW_FRAMES)
        self._voiced_run = 0
        self.speaking = False
        self.silence_ms = 0

    @property
    def noise_floor_dbfs(self) -> float:
        return float(np.percentile(self._levels, _FLOOR_PERCENTILE)) if self._levels else SILENT_DBFS

    def update(self, pcm_frame: bytes) -> bool:
        """Take one 20 ms frame of 8 kHz PCM16; True when it is voiced."""
        level = level_dbfs(pcm_frame)
        self._levels.append(level)
        voiced = level >= self.min_dbfs and level >= self.noise_floor_dbfs + self.margin_db
        # A click or a single loud frame does not start an utterance: it takes a short run of voiced frames.
        self._voiced_run = self._voiced_run + 1 if voiced else 0
        if self._voiced_run >= self._start_frames:
            self.speaking = True
        if voiced:
            self.silence_ms = 0
        else:
            self.silence_ms += FRAME_MS
        return voiced

    def utterance_ended(self, end_silence_ms: int) -> bool:
        """Speech was heard, then at least `end_silence_ms` of silence."""
        return self.speaking and self.silence_ms >= end_silence_ms

    def reset(self) -> None:
        self._voiced_run = 0
        self.speaking = False
        self.silence_ms = 0
