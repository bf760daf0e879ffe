"""Times of day and callback moments per language, with garbage and a DST night."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from debt.spoken import parse_callback_time, parse_time

T = time

TIMES = [
    ("fr", "18h", T(18)),
    ("fr", "18h30", T(18, 30)),
    ("fr", "18H30", T(18, 30)),
    ("fr", "18 h 30", T(18, 30)),
    ("fr", "à 14 heures", T(14)),
    ("fr", "a 14heures", T(14)),
    ("fr", "vers midi", T(12)),
    ("fr", "midi et demi", T(12, 30)),
    ("fr", "minuit", T(0)),
    ("fr", "dix-huit heures", T(18)),
    ("fr", "dix huit heures trente", T(18, 30)),
    ("fr", "6 heures du soir", T(18)),
    ("fr", "sept heures moins le quart du soir", T(18, 45)),
    ("fr", "huit heures et quart", T(8, 15)),
    ("fr", "à 9h du mat", T(9)),
    ("fr", "onze heures du matin", T(11)),
    ("fr", "2h du matin", T(2)),
    ("fr", "à 8 h ce soir", T(20)),
    ("fr", "cet aprem à 3h", T(15)),
    ("fr", "à 19:45", T(19, 45)),
    ("fr", "vers 17h30 svp", T(17, 30)),
    ("fr", "18 heurs", T(18)),
    ("fr", "à 9", T(9)),
    ("fr", "le 15 à 18", T(18)),
    ("fr", "entre 14h et 16h", T(14)),
    ("de", "18 Uhr", T(18)),
    ("de", "18uhr", T(18)),
    ("de", "um 18:30", T(18, 30)),
    ("de", "um 18.30", T(18, 30)),
    ("de", "18.30 Uhr", T(18, 30)),
    ("de", "um 14 Uhr 15", T(14, 15)),
    ("de", "achtzehn Uhr dreißig", T(18, 30)),
    ("de", "halb sieben abends", T(18, 30)),
    ("de", "morgens um neun", T(9)),
    ("de", "viertel nach sechs", T(6, 15)),
    ("de", "viertel vor sieben abends", T(18, 45)),
    ("de", "zehn vor halb sieben", T(6, 20)),
    ("de", "fünf nach halb sieben", T(6, 35)),
    ("de", "dreiviertel acht", T(7, 45)),
    ("de", "um halb eins", T(12, 30)),
    ("de", "um 1 mittags", T(13)),
    ("de", "gegen Mittag", T(12)),
    ("de", "um 8 Uhr abends", T(20)),
    ("de", "um 9", T(9)),
    ("de", "morgen um 10", T(10)),
    ("de", "am Montag um 6 am Abend", T(18)),
    ("en", "6pm", T(18)),
    ("en", "6 PM", T(18)),
    ("en", "6:30 pm", T(18, 30)),
    ("en", "9 a.m.", T(9)),
    ("en", "12 am", T(0)),
    ("en", "12pm", T(12)),
    ("en", "at noon", T(12)),
    ("en", "at twelve noon", T(12)),
    ("en", "midnight", T(0)),
    ("en", "six o'clock in the evening", T(18)),
    ("en", "6 o'clock", T(6)),
    ("en", "half past six in the evening", T(18, 30)),
    ("en", "a quarter past 3 in the afternoon", T(15, 15)),
    ("en", "quarter to seven", T(6, 45)),
    ("en", "ten past six", T(6, 10)),
    ("en", "twenty to four", T(3, 40)),
    ("en", "half six", T(6, 30)),
    ("en", "at six thirty", T(6, 30)),
    ("en", "six thirty pm", T(18, 30)),
    ("en", "six oh five pm", T(18, 5)),
    ("en", "at 7 tonight", T(19)),
    ("en", "9 in the morning", T(9)),
    ("en", "at 14", T(14)),
    ("en", "at 9", T(9)),
    ("en", "tomorrow at 6 in the evening", T(18)),
]
NOT_TIMES = [
    ("fr", "9"),
    ("fr", "neuf"),
    ("fr", "demain"),
    ("fr", "dans 2 heures"),
    ("fr", "sous 24h"),
    ("fr", "15h du matin"),
    ("fr", "le 15 dans la matinée"),
    ("fr", "50 euros"),
    ("fr", "à 50"),
    ("de", "9"),
    ("de", "neun"),
    ("de", "18.30"),
    ("de", "in 2 Stunden"),
    ("de", "vor 3 Tagen"),
    ("de", "morgen"),
    ("de", "25 Uhr"),
    ("de", "keine Ahnung"),
    ("en", "9"),
    ("en", "nine"),
    ("en", "in 2 hours"),
    ("en", "at 6 months"),
    ("en", "20 to 4"),
    ("en", "whenever"),
    ("en", "tomorrow"),
    ("en", "13 am"),
]
GARBAGE = ["", " ", "???", "🙂🙂🙂", "h", "18h" * 400, "à " * 600, "\x00\x01", "::::", "12:99"]


@pytest.mark.parametrize(("language", "text", "expected"), TIMES)
def test_time(language: str, text: str, expected: time) -> None:
    assert parse_time(text, language) == expected


@pytest.mark.parametrize(("language", "text"), NOT_TIMES)
def test_not_a_time(language: str, text: str) -> None:
    assert parse_time(text, language) is None


@pytest.mark.parametrize("language", ["fr", "de", "en"])
@pytest.mark.parametrize("text", GARBAGE)
def test_garbage_is_no_time(language: str, text: str) -> None:
    assert parse_time(text, language) is None
    assert parse_callback_time(text, language, NOW_PARIS) is None


def test_unknown_language_is_a_bug() -> None:
    with pytest.raises(ValueError, match="unsupported language"):
        parse_time("18h", "it")


PARIS = ZoneInfo("Europe/Paris")
BERLIN = ZoneInfo("Europe/Berlin")
LONDON = ZoneInfo("Europe/London")
NOW_PARIS = datetime(2026, 11, 20, 13, 5, tzinfo=PARIS)  # a Friday
NOW_BERLIN = datetime(2026, 11, 20, 13, 5, tzinfo=BERLIN)
NOW_LONDON = datetime(2026, 11, 20, 13, 5, tzinfo=LONDON)


def at(tz: ZoneInfo, day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=tz)


CALLBACKS = [
    ("fr", "demain à 14h", at(PARIS, 21, 14)),
    ("fr", "demain matin", at(PARIS, 21, 10)),
    ("fr", "rappelez moi demain dans l'après midi", at(PARIS, 21, 15)),
    ("fr", "demain midi", at(PARIS, 21, 12)),
    ("fr", "ce soir", at(PARIS, 20, 18, 30)),
    ("fr", "cet après-midi", at(PARIS, 20, 15)),
    ("fr", "à 18h", at(PARIS, 20, 18)),
    ("fr", "à 9h", at(PARIS, 21, 9)),
    ("fr", "à 7h", at(PARIS, 20, 19)),
    ("fr", "à 7h du matin", at(PARIS, 21, 7)),
    ("fr", "vendredi à 15h", at(PARIS, 27, 15)),
    ("fr", "lundi prochain vers 11h", at(PARIS, 23, 11)),
    ("fr", "le 15 à 10h30", at(PARIS, 15, 10, 30, month=12)),
    ("fr", "le 12.12. à 17h", at(PARIS, 12, 17, month=12)),
    ("fr", "dans une heure", at(PARIS, 20, 14, 5)),
    ("fr", "dans une demi-heure", at(PARIS, 20, 13, 35)),
    ("fr", "d'ici 1h30", at(PARIS, 20, 14, 35)),
    ("de", "morgen um 14 Uhr", at(BERLIN, 21, 14)),
    ("de", "morgen früh", at(BERLIN, 21, 10)),
    ("de", "morgen abend", at(BERLIN, 21, 18, 30)),
    ("de", "übermorgen nachmittags", at(BERLIN, 22, 15)),
    ("de", "heute Abend", at(BERLIN, 20, 18, 30)),
    ("de", "heute Nachmittag um 3", at(BERLIN, 20, 15)),
    ("de", "um 18:30", at(BERLIN, 20, 18, 30)),
    ("de", "nächsten Freitag um 10", at(BERLIN, 27, 10)),
    ("de", "am Montag um 9", at(BERLIN, 23, 9)),
    ("de", "am 15. um 14 Uhr", at(BERLIN, 15, 14, month=12)),
    ("de", "am Morgen um 9", at(BERLIN, 21, 9)),
    ("de", "in einer halben Stunde", at(BERLIN, 20, 13, 35)),
    ("de", "in 2 Stunden", at(BERLIN, 20, 15, 5)),
    ("en", "tomorrow at 2pm", at(LONDON, 21, 14)),
    ("en", "tomorrow afternoon", at(LONDON, 21, 15)),
    ("en", "tonight", at(LONDON, 20, 18, 30)),
    ("en", "this evening", at(LONDON, 20, 18, 30)),
    ("en", "at 6", at(LONDON, 20, 18)),
    ("en", "at 3", at(LONDON, 20, 15)),
    ("en", "next Friday at 10am", at(LONDON, 27, 10)),
    ("en", "on the 15th at 11", at(LONDON, 15, 11, month=12)),
    ("en", "Monday morning", at(LONDON, 23, 10)),
    ("en", "in an hour", at(LONDON, 20, 14, 5)),
    ("en", "in half an hour", at(LONDON, 20, 13, 35)),
    ("en", "in an hour and a half", at(LONDON, 20, 14, 35)),
]
NO_CALLBACK = [
    ("fr", "demain"),
    ("fr", "le 15"),
    ("fr", "hier à 14h"),
    ("fr", "aujourd'hui à 10h"),
    ("fr", "je ne sais pas"),
    ("fr", "dans 20 heures"),
    ("de", "morgen"),
    ("de", "nächste Woche"),
    ("de", "gestern um 9"),
    ("de", "irgendwann"),
    ("en", "tomorrow"),
    ("en", "next week"),
    ("en", "yesterday at 3"),
    ("en", "no idea"),
]
NOWS = {"fr": NOW_PARIS, "de": NOW_BERLIN, "en": NOW_LONDON}


@pytest.mark.parametrize(("language", "text", "expected"), CALLBACKS)
def test_callback(language: str, text: str, expected: datetime) -> None:
    found = parse_callback_time(text, language, NOWS[language])
    assert found == expected
    assert found is not None and found.tzinfo is NOWS[language].tzinfo


@pytest.mark.parametrize(("language", "text"), NO_CALLBACK)
def test_no_callback(language: str, text: str) -> None:
    assert parse_callback_time(text, language, NOWS[language]) is None


def test_callback_time_passed_today_is_tomorrow() -> None:
    late = datetime(2026, 11, 20, 20, 0, tzinfo=PARIS)
    assert parse_callback_time("à 18h", "fr", late) == at(PARIS, 21, 18)
    assert parse_callback_time("ce soir", "fr", late) is None


def test_callback_across_a_dst_change() -> None:
    saturday = datetime(2026, 10, 24, 22, 0, tzinfo=LONDON)
    found = parse_callback_time("tomorrow at 10am", "en", saturday)
    assert found == datetime(2026, 10, 25, 10, 0, tzinfo=LONDON)
    assert found is not None and found.utcoffset() is not None and found.utcoffset().total_seconds() == 0
    night = datetime(2026, 10, 25, 0, 30, tzinfo=LONDON)
    later = parse_callback_time("in 2 hours", "en", night)
    assert later is not None and later.astimezone(UTC) == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)


def test_callback_needs_an_aware_now() -> None:
    with pytest.raises(ValueError, match="naive"):
        parse_callback_time("demain à 14h", "fr", datetime(2026, 11, 20, 13, 5))


# fmt: off
_VOCABULARY = [
    "18", "h", "heures", "Uhr", "o'clock", ":", ".", "30", "halb", "viertel", "nach", "vor", "quarter",
    "past", "to", "half", "midi", "noon", "Mittag", "pm", "am", "soir", "abends", "morning", "à", "um", "at",
    "demain", "morgen", "tomorrow", "dans", "in", "une", "heure", "Stunden", "hour", "moins", "le", "quart",
    "et", "0", "24", "99", "twelve", "sept",
]
# fmt: on


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(st.text(max_size=80), st.lists(st.sampled_from(_VOCABULARY), max_size=10).map(" ".join)),
    language=st.sampled_from(["fr", "de", "en"]),
)
def test_never_raises(text: str, language: str) -> None:
    parse_time(text, language)
    found = parse_callback_time(text, language, NOW_PARIS)
    assert found is None or (found > NOW_PARIS and found.tzinfo is PARIS)
