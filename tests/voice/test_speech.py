from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest

from core.settings import load_settings
from voice.audio import RATE, ulaw_to_pcm16
from voice.speech import MAX_CHARACTERS, VOICES, Espeak, SynthesisFailed, Synthesizer, espeak

REAL_SYNTHESIZE = Espeak.synthesize


def rms(ulaw: bytes) -> float:
    samples = np.frombuffer(ulaw_to_pcm16(ulaw), dtype="<i2").astype(np.float64)
    return float(np.sqrt(np.mean(samples**2)))


@pytest.fixture
def synthesizer() -> Iterator[Synthesizer]:
    synth = Synthesizer(load_settings())
    yield synth
    synth.close()


@pytest.fixture
def engine_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts espeak-ng was asked to speak, in order."""
    calls: list[str] = []

    def counting(engine: Espeak, text: str, language: str, abort: threading.Event) -> bytes:
        calls.append(text)
        return REAL_SYNTHESIZE(engine, text, language, abort)

    monkeypatch.setattr(Espeak, "synthesize", counting)
    return calls


@pytest.mark.parametrize(
    ("language", "text"), [("fr", "Bonjour"), ("de", "Guten Tag"), ("en", "Hello"), ("fr", "Ça coûte 12 €.")]
)
def test_each_language_gives_audible_speech_of_a_plausible_length(
    synthesizer: Synthesizer, language: str, text: str
) -> None:
    audio = asyncio.run(synthesizer.speak(text, language))
    assert 0.2 <= len(audio) / RATE <= 3.0  # one μ-law byte per sample at 8 kHz
    assert rms(audio) > 500


def test_a_longer_text_takes_longer_to_say(synthesizer: Synthesizer) -> None:
    short = asyncio.run(synthesizer.speak("Bonjour", "fr"))
    long = asyncio.run(synthesizer.speak("Bonjour, nous vous appelons au sujet de votre dossier.", "fr"))
    assert len(long) > 3 * len(short)


def test_markup_is_read_as_text_not_obeyed(synthesizer: Synthesizer) -> None:
    hello = asyncio.run(synthesizer.speak("Hello", "en"))
    marked_up = asyncio.run(synthesizer.speak("<emphasis>Hello</emphasis>", "en"))
    assert len(marked_up) > 2 * len(hello)  # the tags were said; read as SSML they take no time


def test_voices_are_espeak_ngs_own_for_our_languages_and_found_by_language_otherwise() -> None:
    with Espeak.lock:
        engine = espeak()
        assert {language: engine.voice_for(language) for language in VOICES} == VOICES
        assert engine.voice_for("es").endswith("/es")
        with pytest.raises(LookupError, match="'xx'"):
            engine.voice_for("xx")


def test_a_language_without_a_voice_fails_as_synthesis(synthesizer: Synthesizer) -> None:
    with pytest.raises(SynthesisFailed, match="no voice for 'xx'"):
        asyncio.run(synthesizer.speak("Hello", "xx"))


@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
def test_nothing_to_say_gives_no_audio_without_the_engine(
    synthesizer: Synthesizer, engine_calls: list[str], text: str
) -> None:
    assert asyncio.run(synthesizer.speak(text, "fr")) == b""
    assert engine_calls == []


def test_too_long_a_text_is_refused_and_callers_split_it(
    synthesizer: Synthesizer, engine_calls: list[str]
) -> None:
    with pytest.raises(ValueError, match=f"{MAX_CHARACTERS + 1} characters"):
        asyncio.run(synthesizer.speak("a" * (MAX_CHARACTERS + 1), "fr"))
    assert engine_calls == []
    sentence = "Nous vous appelons au sujet de votre dossier. "
    longest = (sentence * (MAX_CHARACTERS // len(sentence) + 1))[:MAX_CHARACTERS]
    assert len(asyncio.run(synthesizer.speak(longest, "fr"))) / RATE > 60


def test_a_cached_prompt_is_rendered_once_and_served_much_faster(
    synthesizer: Synthesizer, engine_calls: list[str]
) -> None:
    async def timed() -> tuple[bytes, float]:
        started = time.perf_counter()
        audio = await synthesizer.speak("Merci de votre appel.", "fr", cache=True)
        return audio, time.perf_counter() - started

    first, rendering = asyncio.run(timed())
    second, serving = asyncio.run(timed())
    assert second == first
    assert engine_calls == ["Merci de votre appel."]
    assert serving < rendering / 10


def test_the_cache_keys_on_language_and_text(synthesizer: Synthesizer, engine_calls: list[str]) -> None:
    async def speak_all() -> None:
        for language in ("fr", "de", "fr", "de"):
            await synthesizer.speak("Paris", language, cache=True)

    asyncio.run(speak_all())
    assert engine_calls == ["Paris", "Paris"]


def test_the_cache_forgets_the_least_recently_used_prompt(engine_calls: list[str]) -> None:
    synthesizer = Synthesizer(load_settings(), cache_entries=2)

    async def speak_all(*texts: str) -> None:
        for text in texts:
            await synthesizer.speak(text, "en", cache=True)

    asyncio.run(speak_all("one", "two", "one", "three"))  # "two" is the least recently used, and goes
    assert engine_calls == ["one", "two", "three"]
    asyncio.run(speak_all("one", "three", "two"))
    assert engine_calls == ["one", "two", "three", "two"]
    synthesizer.close()


def test_uncached_text_is_rendered_every_time(synthesizer: Synthesizer, engine_calls: list[str]) -> None:
    asyncio.run(synthesizer.speak("Votre solde est de 12 euros.", "fr"))
    asyncio.run(synthesizer.speak("Votre solde est de 12 euros.", "fr"))
    assert len(engine_calls) == 2


def test_warm_renders_prompts_ahead_of_the_call(synthesizer: Synthesizer, engine_calls: list[str]) -> None:
    prompts = [("Un instant, s'il vous plaît.", "fr"), ("Einen Moment, bitte.", "de")]
    asyncio.run(synthesizer.warm(prompts))
    assert engine_calls == [text for text, _ in prompts]
    asyncio.run(synthesizer.speak("Einen Moment, bitte.", "de", cache=True))
    assert len(engine_calls) == 2


def test_concurrent_requests_all_succeed_one_at_a_time_on_one_thread(
    synthesizer: Synthesizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: set[int] = set()
    running = 0
    most_at_once = 0

    def watched(engine: Espeak, text: str, language: str, abort: threading.Event) -> bytes:
        nonlocal running, most_at_once
        threads.add(threading.get_ident())
        running += 1
        most_at_once = max(most_at_once, running)
        try:
            return REAL_SYNTHESIZE(engine, text, language, abort)
        finally:
            running -= 1

    monkeypatch.setattr(Espeak, "synthesize", watched)
    languages = ["fr", "de", "en"] * 4

    async def all_at_once() -> list[bytes]:
        return await asyncio.gather(
            *(synthesizer.speak(f"{n} euros", lang) for n, lang in enumerate(languages))
        )

    results = asyncio.run(all_at_once())
    assert all(rms(audio) > 500 for audio in results)
    assert len(threads) == 1
    assert threading.get_ident() not in threads
    assert most_at_once == 1


def test_a_synthesis_past_its_time_fails_and_the_synthesizer_recovers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    synthesizer = Synthesizer(load_settings(tts_timeout_seconds=0.2))
    released = threading.Event()

    def stuck(engine: Espeak, text: str, language: str, abort: threading.Event) -> bytes:
        if abort.wait(timeout=10):  # what espeak-ng does too: stop at the next callback once aborted
            released.set()
        return b""

    with monkeypatch.context() as patched:
        patched.setattr(Espeak, "synthesize", stuck)
        started = time.perf_counter()
        with pytest.raises(SynthesisFailed, match=r"no speech after 0\.2 s"):
            asyncio.run(synthesizer.speak("Bonjour", "fr"))
        assert time.perf_counter() - started < 1
        assert released.wait(timeout=1)

    assert rms(asyncio.run(synthesizer.speak("Bonjour", "fr"))) > 500
    synthesizer.close()


def test_a_request_that_timed_out_in_the_queue_is_never_synthesized(monkeypatch: pytest.MonkeyPatch) -> None:
    synthesizer = Synthesizer(load_settings(tts_timeout_seconds=0.1))
    calls: list[str] = []

    def slow(engine: Espeak, text: str, language: str, abort: threading.Event) -> bytes:
        calls.append(text)
        time.sleep(0.3)  # ignores the abort, as a stuck library would
        return b""

    monkeypatch.setattr(Espeak, "synthesize", slow)

    async def two_at_once() -> list[object]:
        speaking = (synthesizer.speak(text, "fr") for text in ("first", "second"))
        return await asyncio.gather(*speaking, return_exceptions=True)

    outcomes = asyncio.run(two_at_once())
    assert all(isinstance(outcome, SynthesisFailed) for outcome in outcomes)
    time.sleep(0.4)
    assert calls == ["first"]
    synthesizer.close()


def test_an_engine_error_fails_as_synthesis(
    synthesizer: Synthesizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(engine: Espeak, text: str, language: str, abort: threading.Event) -> bytes:
        raise RuntimeError("espeak_Synth returned -1")

    monkeypatch.setattr(Espeak, "synthesize", broken)
    with pytest.raises(SynthesisFailed, match="returned -1") as failure:
        asyncio.run(synthesizer.speak("Bonjour", "fr"))
    assert isinstance(failure.value.__cause__, RuntimeError)


def test_close_stops_the_worker_and_may_be_called_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    workers: list[threading.Thread] = []

    def noting_the_thread(engine: Espeak, text: str, language: str, abort: threading.Event) -> bytes:
        workers.append(threading.current_thread())
        return REAL_SYNTHESIZE(engine, text, language, abort)

    monkeypatch.setattr(Espeak, "synthesize", noting_the_thread)
    synthesizer = Synthesizer(load_settings())
    asyncio.run(synthesizer.speak("Bonjour", "fr"))
    synthesizer.close()
    synthesizer.close()
    workers[0].join(timeout=2)
    assert not workers[0].is_alive()
