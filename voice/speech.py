"""Speech for calls: text to 8 kHz μ-law with espeak-ng, ready to be cut in 20 ms frames.

espeak-ng is driven through the ctypes binding pyttsx3 ships (`pyttsx3.drivers._espeak`) in its
synchronous mode, not through pyttsx3's `Engine`. Measured with pyttsx3 2.99 and espeak-ng 1.51:
`save_to_file` + `runAndWait`, repeated on one engine and one thread, never hangs but is not reliable.
The driver starts espeak-ng in its asynchronous mode and its loop does not wait for the audio: an
engine's first `runAndWait` returns after ~10 ms, before a long text's WAV exists; later calls find the
library still busy and call `espeak_Cancel` (224 of 300 calls), and 2 of 300 short prompts came out as
empty WAVs. A fresh engine per call would make every call a first call. It also prints each file name
to stdout. In synchronous mode `espeak_Synth` returns once the callback, on the calling thread, has had
every sample, and no file is written: `speak` takes ~3 ms for a short prompt (~25 ms the first time, while
espeak-ng initialises) and ~180 ms for 2,000 characters (100 s of speech), resampling and encoding included.
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor

from core.settings import Settings
from voice.audio import RATE, pcm16_to_ulaw, resample

# espeak-ng's names for our languages' voices (`espeak-ng --voices`); others are found by language.
VOICES = {"fr": "roa/fr", "de": "gmw/de", "en": "gmw/en"}
WORDS_PER_MINUTE = 160  # espeak-ng speaks 175 by default, a little fast over a phone line
MAX_CHARACTERS = 2000
CACHE_ENTRIES = 256

_DONT_EXIT = 0x8000  # espeakINITIALIZE_DONT_EXIT: fail instead of exit() when espeak-ng data is missing
_BUFFER_MS = 100  # speech per callback: an abort is noticed within this much audio


class SynthesisFailed(RuntimeError):
    """No audio for this text in time; the caller plays its fallback prompt."""


class Espeak:
    """libespeak-ng in synchronous mode. The library is one global state per process: every use holds
    `Espeak.lock`, and `espeak()` builds the only instance."""

    lock = threading.Lock()

    def __init__(self) -> None:
        from pyttsx3.drivers import _espeak  # loads libespeak-ng, RuntimeError when it is not installed

        self._lib = _espeak
        self.rate = _espeak.Initialize(_espeak.AUDIO_OUTPUT_SYNCHRONOUS, _BUFFER_MS, None, _DONT_EXIT)
        if self.rate <= 0:
            raise RuntimeError("espeak-ng did not initialise")
        self._chunks: list[bytes] = []
        self._abort = threading.Event()
        self._voices: dict[str, str] = {}
        _espeak.SetSynthCallback(self._collect)

    def synthesize(self, text: str, language: str, abort: threading.Event) -> bytes:
        """16-bit mono samples at `self.rate`; setting `abort` stops the synthesis at the next callback."""
        if self._lib.SetVoiceByName(self.voice_for(language).encode()) != self._lib.EE_OK:
            raise RuntimeError(f"espeak-ng refused the voice for {language!r}")
        self._lib.SetParameter(self._lib.RATE, WORDS_PER_MINUTE, 0)
        self._chunks, self._abort = [], abort
        status = self._lib.Synth(text, flags=self._lib.CHARS_UTF8)  # no SSML flag: "<" is just text
        if status != self._lib.EE_OK:
            raise RuntimeError(f"espeak_Synth returned {status}")
        return b"".join(self._chunks)

    def voice_for(self, language: str) -> str:
        if language not in self._voices:
            self._voices[language] = self._find_voice(language)
        return self._voices[language]

    def _find_voice(self, language: str) -> str:
        voices = self._lib.ListVoices(None)
        identifiers = [voice.identifier.decode() for voice in voices]
        if VOICES.get(language) in identifiers:
            return VOICES[language]
        for voice in voices:
            # The first byte of `languages` is the voice's priority for the language that follows.
            spoken = (voice.languages or b"")[1:].decode(errors="ignore")
            if spoken == language or spoken.startswith(language + "-"):
                return voice.identifier.decode()
        raise LookupError(f"espeak-ng has no voice for {language!r}")

    def _collect(self, wav: ctypes._Pointer[ctypes.c_short], count: int, events: object) -> int:
        if count > 0 and wav:
            self._chunks.append(ctypes.string_at(wav, count * 2))
        return 1 if self._abort.is_set() else 0  # 1 tells espeak-ng to stop


@functools.cache
def espeak() -> Espeak:
    """The process's espeak-ng, initialised on first use; call it holding `Espeak.lock`."""
    return Espeak()


def _render(text: str, language: str, abort: threading.Event) -> bytes:
    """On the worker thread: `text` as 8 kHz μ-law."""
    if abort.is_set():  # the caller gave up while this waited its turn
        return b""
    with Espeak.lock:
        engine = espeak()
        pcm = engine.synthesize(text, language, abort)
    return pcm16_to_ulaw(resample(pcm, engine.rate, RATE))


class Synthesizer:
    """Text to μ-law for calls: one synthesis at a time on one worker thread, within TTS_TIMEOUT_SECONDS;
    fixed prompts can be kept in a small LRU cache."""

    def __init__(self, settings: Settings, cache_entries: int = CACHE_ENTRIES) -> None:
        self._budget = settings.tts_timeout_seconds
        self._cache: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._cache_entries = cache_entries
        self._executor: ThreadPoolExecutor | None = None

    async def speak(self, text: str, language: str, *, cache: bool = False) -> bytes:
        """`text` spoken in `language` as 8 kHz μ-law; with `cache`, also looked up in and kept in the cache.

        ValueError above MAX_CHARACTERS (callers split long replies); SynthesisFailed when espeak-ng fails
        or runs out of time.
        """
        if len(text) > MAX_CHARACTERS:
            raise ValueError(f"{len(text)} characters to speak, at most {MAX_CHARACTERS} at once")
        if not text.strip():
            return b""
        key = (language, text)
        if cache and key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        audio = await self._synthesize(text, language)
        if cache:
            self._cache[key] = audio
            if len(self._cache) > self._cache_entries:
                self._cache.popitem(last=False)
        return audio

    async def warm(self, prompts: list[tuple[str, str]]) -> None:
        """Render fixed prompts, as (text, language) pairs, into the cache before a call needs them."""
        for text, language in prompts:
            await self.speak(text, language, cache=True)

    def close(self) -> None:
        """Stop the worker; a synthesis under way finishes on its own, queued ones are dropped."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    async def _synthesize(self, text: str, language: str) -> bytes:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="espeak")
        abort = threading.Event()
        job = asyncio.get_running_loop().run_in_executor(self._executor, _render, text, language, abort)
        try:
            return await asyncio.wait_for(job, self._budget)
        except TimeoutError as exc:
            raise SynthesisFailed(f"no speech after {self._budget} s for {len(text)} characters") from exc
        except Exception as exc:
            raise SynthesisFailed(f"espeak-ng failed: {exc}") from exc
        finally:
            abort.set()  # frees the worker when the caller timed out or was cancelled
