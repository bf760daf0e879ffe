"""Free-speech Kaldi recognizers of one Vosk model, shared by the calls of a process.

A recognizer over a lookahead graph (HCLr.fst + Gr.fst, as the official small models are built) composes
the decoding graph as it decodes and keeps what it composed: that is most of its memory (tens of MB after
a few utterances) and what makes its later utterances cheap (bench/bench_recognizer_memory.py). Calls take
one only for the utterance they are hearing (the caller's speech; a call is mostly the caller listening)
and give it back when the utterance ends, so ten calls hold about as many recognizers as callers speak at
once, each warm from the calls before.

- While a call's greeting plays, if no idle recognizer is warm, one is warmed on the greeting: a cold
  one spends a second on its first utterance. (Warming one for every call in its greeting, whatever
  is idle, cut the tail at ten calls but cost about twice the memory a call: BENCHMARKS.md.)
- Idle recognizers are let go after `idle_seconds` unused, beyond `keep_idle`.
- Every recognizer is retired after `retire_after` utterances: its memory grows with every new sentence.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field

import vosk

from voice.audio import RATE

_SILENCE = bytes(RATE)  # half a second of PCM16 silence: what a recognizer needs to be ready at all


@dataclass(eq=False)
class PooledRecognizer:
    kaldi: vosk.KaldiRecognizer
    utterances: int = 0
    warm: bool = False  # has decoded speech: the start of the graph is composed
    idle_since: float = field(default_factory=time.monotonic)


class RecognizerPool:
    def __init__(
        self,
        model: vosk.Model,
        *,
        keep_idle: int = 2,
        idle_seconds: float = 60.0,
        retire_after: int = 100,
    ) -> None:
        self._model = model
        self._keep_idle = keep_idle
        self._idle_seconds = idle_seconds
        self._retire_after = retire_after
        self._idle: list[PooledRecognizer] = []  # the most recently given back last
        self._lock = threading.Lock()
        self.created = 0
        self.retired = 0

    @property
    def idle(self) -> int:
        return len(self._idle)

    def lend(self) -> PooledRecognizer:
        """The last warm one given back, else any idle one, else a new one."""
        with self._lock:
            self._let_go_unused()
            warm = [r for r in self._idle if r.warm]
            if warm or self._idle:
                lent = (warm or self._idle)[-1]
                self._idle.remove(lent)
                return lent
        return self._new()

    def give_back(self, lent: PooledRecognizer) -> None:
        """After the utterance's final result was taken: the recognizer is ready for the next one."""
        lent.utterances += 1
        lent.warm = True
        lent.idle_since = time.monotonic()
        with self._lock:
            if lent.utterances >= self._retire_after:
                self.retired += 1
            else:
                self._idle.append(lent)
            self._let_go_unused()

    def drop(self, lent: PooledRecognizer) -> None:
        """A recognizer left in the middle of an utterance (the call ended): not lent again, only
        counted (the caller lets go of it)."""
        with self._lock:
            self.retired += 1

    def ensure_warm(self, speech: bytes) -> None:
        """A warm idle recognizer for a caller's first words, warmed here, on the calling thread, if
        none is: `speech` (PCM16 in the call's language, the greeting as it plays) is decoded and
        dropped, which composes the graph a first utterance needs."""
        with self._lock:
            if any(r.warm for r in self._idle):
                return
            spare = self._idle.pop() if self._idle else None  # all cold
        self._ready(spare or self._new(), speech)

    def ensure_ready(self) -> None:
        """An idle recognizer that has decoded anything at all (a fresh one's first audio costs most of
        a second), made on the calling thread if there is none."""
        with self._lock:
            if self._idle:
                return
        self._ready(self._new(), b"")

    def _ready(self, spare: PooledRecognizer, speech: bytes) -> None:
        spare.kaldi.AcceptWaveform(_SILENCE + speech)
        if speech:
            spare.kaldi.FinalResult()  # drops the words: Reset alone would let them into the next utterance
            spare.warm = True
        spare.kaldi.Reset()
        spare.idle_since = time.monotonic()
        with self._lock:
            self._idle.append(spare)

    def _let_go_unused(self) -> None:
        """Under the lock: the idle ones unused for `idle_seconds`, the least used first, down to
        `keep_idle`."""
        now = time.monotonic()
        while len(self._idle) > self._keep_idle:
            stale = [r for r in self._idle if now - r.idle_since > self._idle_seconds]
            if not stale:
                return
            self._idle.remove(min(stale, key=lambda r: r.utterances))
            self.retired += 1

    def _new(self) -> PooledRecognizer:
        kaldi = kaldi_recognizer(self._model)
        with self._lock:
            self.created += 1
        return PooledRecognizer(kaldi)


def kaldi_recognizer(model: vosk.Model, grammar: list[str] | None = None) -> vosk.KaldiRecognizer:
    """Free speech, or only `grammar`'s phrases, with word confidences in its results."""
    if grammar is None:
        kaldi = vosk.KaldiRecognizer(model, RATE)
    else:
        kaldi = vosk.KaldiRecognizer(model, RATE, json.dumps(grammar, ensure_ascii=False))
    kaldi.SetWords(True)
    return kaldi


_pools: dict[int, RecognizerPool] = {}
_pools_lock = threading.Lock()


def pool_for(
    model: vosk.Model, *, keep_idle: int = 2, idle_seconds: float = 60.0, retire_after: int = 100
) -> RecognizerPool:
    """The process's pool for `model` (models are loaded once per process and never unloaded); the
    options of the first call make it."""
    with _pools_lock:
        pool = _pools.get(id(model))
        if pool is None:
            pool = RecognizerPool(
                model, keep_idle=keep_idle, idle_seconds=idle_seconds, retire_after=retire_after
            )
            _pools[id(model)] = pool
        return pool
