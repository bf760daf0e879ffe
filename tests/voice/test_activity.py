"""Voice activity over real telephone frames: silence, line noise, a tone, espeak-ng speech."""

from __future__ import annotations

from tests.voice.spoken_audio import decoded, line_noise, mixed, silence, spoken, tone
from voice.activity import SILENT_DBFS, VoiceActivity, level_dbfs


def _voiced(frames: list[bytes], activity: VoiceActivity | None = None) -> list[bool]:
    activity = activity or VoiceActivity()
    return [activity.update(frame) for frame in decoded(frames)]


def test_levels_in_dbfs() -> None:
    assert level_dbfs(decoded(silence(20))[0]) == SILENT_DBFS
    assert abs(level_dbfs(decoded(tone(20, dbfs=-20))[0]) - -20) < 0.5
    assert abs(level_dbfs(decoded(line_noise(20, dbfs=-45))[0]) - -45) < 1.5


def test_silence_is_never_speech() -> None:
    activity = VoiceActivity()
    assert not any(_voiced(silence(3000), activity))
    assert not activity.speaking and not activity.utterance_ended(600)


def test_steady_line_noise_is_not_speech() -> None:
    activity = VoiceActivity()
    assert not any(_voiced(line_noise(5000, dbfs=-35), activity))
    assert not activity.speaking


def test_a_tone_is_voiced_and_silence_after_it_ends_the_utterance() -> None:
    activity = VoiceActivity()
    _voiced(silence(500), activity)
    assert all(_voiced(tone(300), activity))
    assert activity.speaking and activity.silence_ms == 0

    assert not any(_voiced(silence(1000), activity))
    assert activity.silence_ms == 1000 and activity.utterance_ended(1000)
    activity.reset()
    assert not activity.speaking and not activity.utterance_ended(600)


def test_the_utterance_ends_after_exactly_the_silence_asked_for() -> None:
    activity = VoiceActivity()
    _voiced(silence(500) + list(spoken("Non merci.", "fr")), activity)
    assert activity.speaking
    pauses = []
    for frame in decoded(silence(1000)):
        activity.update(frame)
        pauses.append(activity.utterance_ended(600))
    # 30 frames of 20 ms after the last voiced one; espeak's quiet last frame may already count as silence
    assert pauses.index(True) in (28, 29)


def test_speech_over_line_noise_is_voiced() -> None:
    speech = list(spoken("Oui, je peux payer cinquante euros.", "fr"))
    activity = VoiceActivity()
    _voiced(line_noise(1000, dbfs=-40, seed=1), activity)
    voiced = _voiced(mixed(speech, line_noise(len(speech) * 20, dbfs=-40, seed=2)), activity)
    assert activity.speaking and sum(voiced) > len(voiced) // 2
    _voiced(line_noise(800, dbfs=-40, seed=3), activity)
    assert activity.utterance_ended(600)


def test_a_click_does_not_start_an_utterance() -> None:
    activity = VoiceActivity()
    _voiced(silence(500) + tone(20) + silence(1000), activity)
    assert not activity.speaking


def test_a_reset_keeps_what_was_learnt_of_the_line() -> None:
    activity = VoiceActivity()
    _voiced(line_noise(2000, dbfs=-35), activity)
    floor = activity.noise_floor_dbfs
    activity.reset()
    assert activity.noise_floor_dbfs == floor and floor > -40
    assert not any(_voiced(line_noise(1000, dbfs=-35, seed=11), activity))
