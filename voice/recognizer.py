"""Streaming speech recognition for one call: 20 ms frames of 8 kHz PCM16 in, finished utterances out.

`VoskRecognizer` runs the Vosk model of the call's language; `ReplayRecognizer` stands in for it in tests
of languages without a model, answering known transcripts in step with the real audio. Kaldi decodes in
bursts (a fraction of a millisecond for most frames, up to a second on a fresh recognizer's first speech),
so a call feeds its recognizer from a worker thread, never on the event loop.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import vosk

from core.logs import get_logger
from voice.activity import VoiceActivity
from voice.audio import FRAME_MS
from voice.models import RELEASES, is_vosk_model
from voice.recognizer_pool import PooledRecognizer, RecognizerPool, kaldi_recognizer, pool_for

LEAD_IN_MS = 300  # decoded before the first frame the voice activity calls speech
UNKNOWN_WORD = (
    "[unk]"  # what a grammar recognizer answers for speech outside its phrases, if the model has it
)

log = get_logger("voice")


@dataclass(frozen=True)
class Utterance:
    text: str
    confidence: float | None


class Recognizer(Protocol):
    @property
    def speaking(self) -> bool:
        """Speech has been heard in the current utterance (the caller is talking over the agent)."""
        ...

    def accept(self, pcm: bytes) -> Utterance | None:
        """One 20 ms frame of 8 kHz PCM16; the utterance when this frame ends one."""
        ...

    def finish(self) -> Utterance | None:
        """The call's audio has ended: the utterance still pending, if any."""
        ...

    def close(self) -> None:
        """The call is over (on the recognizer's thread, after its last `accept`)."""
        ...

    def warm(self, speech: bytes = b"") -> None:
        """Prepare for the first utterance, on the recognizer's thread while the call opens; `speech`:
        PCM16 of some speech in the call's language (the greeting as it plays), decoded and dropped."""
        ...

    def set_grammar(self, phrases: list[str] | None) -> None:
        """Listen only for these phrases from the next utterance on; None for free speech."""
        ...


class ModelMissing(Exception):
    def __init__(self, path: Path, problem: str = "holds no Vosk model") -> None:
        language = path.name if path.name in RELEASES else "<lang>"
        super().__init__(f"{path} {problem}: fetch one with `collect voice download-model {language}`")
        self.path = path


_models: dict[Path, vosk.Model] = {}
_models_lock = threading.Lock()


def load_model(path: Path) -> vosk.Model:
    """The model in `path`, loaded once per process: it takes seconds and hundreds of megabytes."""
    key = path.resolve()
    with _models_lock:
        if key not in _models:
            if not is_vosk_model(key):
                raise ModelMissing(path)
            vosk.SetLogLevel(-1)  # Kaldi's info lines; its warnings still reach stderr
            try:
                _models[key] = vosk.Model(str(key))
            except Exception as exc:  # the binding raises a bare Exception when Kaldi refuses the files
                raise ModelMissing(path, f"holds a Vosk model that does not load ({exc})") from None
        return _models[key]


def _utterance(result: str) -> Utterance | None:
    parsed = json.loads(result)
    text = parsed.get("text", "").strip()
    if not text:
        return None
    words = parsed.get("result") or []
    confidence = sum(word["conf"] for word in words) / len(words) if words else None
    return Utterance(text, confidence)


class VoskRecognizer:
    """Vosk over one call. An utterance ends when Vosk's endpointer says so, or after `end_silence_ms` of
    silence following speech by our own voice activity, whichever comes first. Only speech (with
    LEAD_IN_MS before it and the silence that ends it) is decoded: silence costs no decoding.

    Free speech is decoded by a recognizer of the process's pool (voice/recognizer_pool.py), taken when
    the caller starts speaking and given back when the utterance ends: between utterances the call holds
    none. Vosk aborts the whole process (a Kaldi fatal error) when a grammar is changed on a recognizer
    in the middle of an utterance, so a grammar gets its own small recognizer, the call's own, and the
    switch happens only between utterances.
    """

    def __init__(
        self, model: vosk.Model, end_silence_ms: int = 600, pool: RecognizerPool | None = None
    ) -> None:
        self._model = model
        self._pool = pool or pool_for(model)
        self._end_silence_ms = end_silence_ms
        self._activity = VoiceActivity()
        # Between utterances Kaldi is not fed (most of a call is the caller listening); the last
        # moments are kept so that the start of the next utterance is decoded too.
        self._lead_in: deque[bytes] = deque(maxlen=LEAD_IN_MS // FRAME_MS)
        self._grammar: vosk.KaldiRecognizer | None = None  # None: free speech, from the pool
        self._switch_pending = False  # a grammar set while the caller spoke waits for the utterance's end
        self._next_grammar: vosk.KaldiRecognizer | None = None
        self._lent: PooledRecognizer | None = None
        self._decoding: vosk.KaldiRecognizer | None = None  # the utterance in progress
        self._words_heard = False

    @property
    def speaking(self) -> bool:
        return self._activity.speaking or self._words_heard

    def accept(self, pcm: bytes) -> Utterance | None:
        self._activity.update(pcm)
        if self._decoding is None:
            if not self._activity.speaking:
                self._lead_in.append(pcm)
                return None
            self._decoding = self._start()  # speech has just begun: what led into it first
            self._decoding.AcceptWaveform(b"".join(self._lead_in))
            self._lead_in.clear()
        if self._decoding.AcceptWaveform(pcm) or self._activity.utterance_ended(self._end_silence_ms):
            # FinalResult, not Result: the next utterance starts with fresh features and speaker
            # adaptation, as the pool lends this recognizer to any call.
            return self._close(self._decoding.FinalResult())
        if not self._words_heard:
            self._words_heard = bool(json.loads(self._decoding.PartialResult()).get("partial"))
        return None

    def finish(self) -> Utterance | None:
        if self._decoding is None:
            return None
        return self._close(self._decoding.FinalResult())

    def close(self) -> None:
        """The call is over: a recognizer taken for an utterance never finished is not lent again."""
        if self._lent is not None:
            self._pool.drop(self._lent)
        self._lent = self._decoding = None

    def warm(self, speech: bytes = b"") -> None:
        # A recognizer that has composed nothing yet spends about 1.4 s of CPU on its first utterance,
        # 0.3-0.8 s on later ones (bench/bench_recognizer_memory.py): if the pool holds no warm one,
        # one is warmed on the greeting while it plays. Never while the caller's own utterance is decoded.
        if self._decoding is not None:
            return
        if speech:
            self._pool.ensure_warm(speech)
        else:
            self._pool.ensure_ready()

    def set_grammar(self, phrases: list[str] | None) -> None:
        chosen = None if phrases is None else self._grammar_recognizer(phrases)
        if self._decoding is not None:
            self._switch_pending, self._next_grammar = True, chosen
        else:
            self._grammar = chosen

    def _start(self) -> vosk.KaldiRecognizer:
        if self._grammar is not None:
            return self._grammar
        self._lent = self._pool.lend()
        return self._lent.kaldi

    def _close(self, result: str) -> Utterance | None:
        self._activity.reset()
        self._words_heard = False
        self._decoding = None
        if self._lent is not None:
            self._pool.give_back(self._lent)
            self._lent = None
        if self._switch_pending:
            self._grammar, self._next_grammar, self._switch_pending = self._next_grammar, None, False
        return _utterance(result)

    def _grammar_recognizer(self, phrases: list[str]) -> vosk.KaldiRecognizer | None:
        normalised = [" ".join(phrase.lower().split()) for phrase in phrases]
        known = [p for p in normalised if p and all(self._knows(word) for word in p.split())]
        if len(known) < len(normalised):
            log.warning("voice.grammar_unknown_words", phrases=sorted(set(normalised) - set(known)))
        if not known:
            return None
        return kaldi_recognizer(self._model, [*known, UNKNOWN_WORD] if self._knows(UNKNOWN_WORD) else known)

    def _knows(self, word: str) -> bool:
        return self._model.vosk_model_find_word(word) >= 0


class ReplayRecognizer:
    """Answers known transcripts, one each time an utterance of the real audio ends (speech, then
    `end_silence_ms` of silence): dialogue tests in languages without a model run on real audio timing.
    """

    def __init__(self, transcripts: Iterable[str], end_silence_ms: int = 600) -> None:
        self._transcripts = deque(transcripts)
        self._end_silence_ms = end_silence_ms
        self._activity = VoiceActivity()
        self.grammar: list[str] | None = None  # what a real recognizer would be listening for
        self.warmed_on: list[bytes] = []  # what it was given to warm on (the call's first reply)

    @property
    def speaking(self) -> bool:
        return self._activity.speaking

    def accept(self, pcm: bytes) -> Utterance | None:
        self._activity.update(pcm)
        return self._next() if self._activity.utterance_ended(self._end_silence_ms) else None

    def finish(self) -> Utterance | None:
        return self._next() if self._activity.speaking else None

    def close(self) -> None:
        pass

    def warm(self, speech: bytes = b"") -> None:
        self.warmed_on.append(speech)

    def set_grammar(self, phrases: list[str] | None) -> None:
        self.grammar = phrases

    def _next(self) -> Utterance | None:
        self._activity.reset()
        return Utterance(self._transcripts.popleft(), 1.0) if self._transcripts else None
