"""Dates per language, from a fixed Sunday, with leap years, DST weekends and garbage."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from debt.spoken import DateResult, parse_date

TODAY = date(2026, 11, 22)  # a Sunday
D = date

FR = [
    ("12/03/85", "birth", D(1985, 3, 12)),
    ("12.03.1985", "birth", D(1985, 3, 12)),
    ("1985-03-12", "birth", D(1985, 3, 12)),
    ("12 03 1985", "birth", D(1985, 3, 12)),
    ("12031985", "birth", D(1985, 3, 12)),
    ("120385", "birth", D(1985, 3, 12)),
    ("je suis né le 12 mars 1985", "birth", D(1985, 3, 12)),
    ("le douze mars mille neuf cent quatre-vingt-cinq", "birth", D(1985, 3, 12)),
    ("le 12 fevrier 1985", "birth", D(1985, 2, 12)),
    ("le 12 fevirer 1985", "birth", D(1985, 2, 12)),
    ("le 1er avril 1990", "birth", D(1990, 4, 1)),
    ("le premier avril quatre-vingt-dix", "birth", D(1990, 4, 1)),
    ("le trente et un décembre soixante-dix-neuf", "birth", D(1979, 12, 31)),
    ("douze trois quatre-vingt-cinq", "birth", D(1985, 3, 12)),
    ("05/06/05", "birth", D(2005, 6, 5)),
    ("05/06/12", "birth", D(1912, 6, 5)),
    ("29 février 2000", "birth", D(2000, 2, 29)),
    ("29/02/1999", "birth", None),
    ("31/02/1985", "birth", None),
    ("12 mars", "birth", None),
    ("12/03/2030", "birth", None),
    ("demain", "birth", None),
    ("demain", "payment", D(2026, 11, 23)),
    ("après-demain", "payment", D(2026, 11, 24)),
    ("apres demain", "payment", D(2026, 11, 24)),
    ("aujourd'hui", "payment", D(2026, 11, 22)),
    ("vendredi", "payment", D(2026, 11, 27)),
    ("Vendredi prochain", "payment", D(2026, 11, 27)),
    ("vendredi en huit", "payment", D(2026, 12, 4)),
    ("dimanche", "payment", D(2026, 11, 29)),
    ("ce dimanche", "payment", D(2026, 11, 22)),
    ("vendredi 27", "payment", D(2026, 11, 27)),
    ("vendredi 27 novembre", "payment", D(2026, 11, 27)),
    ("la semaine prochaine", "payment", D(2026, 11, 23)),
    ("fin du mois", "payment", D(2026, 11, 30)),
    ("à la fin du mois prochain", "payment", D(2026, 12, 31)),
    ("début du mois prochain", "payment", D(2026, 12, 1)),
    ("dans 10 jours", "payment", D(2026, 12, 2)),
    ("dans dix jours", "payment", D(2026, 12, 2)),
    ("dans quinze jours", "payment", D(2026, 12, 6)),
    ("d'ici un mois", "payment", D(2026, 12, 22)),
    ("le 5", "payment", D(2026, 12, 5)),
    ("le cinq", "payment", D(2026, 12, 5)),
    ("le 22", "payment", D(2026, 11, 22)),
    ("le 31", "payment", D(2026, 12, 31)),
    ("le 12 mars", "payment", D(2027, 3, 12)),
    ("le 12 décembre", "payment", D(2026, 12, 12)),
    ("12/12", "payment", D(2026, 12, 12)),
    ("mi-décembre", "payment", D(2026, 12, 15)),
    ("fin janvier", "payment", D(2027, 1, 31)),
    ("hier", "payment", None),
    ("le 12 mars 2025", "payment", None),
    ("31 avril", "payment", None),
    ("quand je serai payé", "payment", None),
    ("hier", "any", D(2026, 11, 21)),
    ("lundi dernier", "any", D(2026, 11, 16)),
    ("il y a trois jours", "any", D(2026, 11, 19)),
]
DE = [
    ("15.03.1985", "birth", D(1985, 3, 15)),
    ("15.3.85", "birth", D(1985, 3, 15)),
    ("15031985", "birth", D(1985, 3, 15)),
    ("1985-03-15", "birth", D(1985, 3, 15)),
    ("am 15. März 1985", "birth", D(1985, 3, 15)),
    ("15. Maerz 1985", "birth", D(1985, 3, 15)),
    ("15. Marz 1985", "birth", D(1985, 3, 15)),
    ("15. MÄRZ 85", "birth", D(1985, 3, 15)),
    ("fünfzehnter März neunzehnhundertfünfundachtzig", "birth", D(1985, 3, 15)),
    ("am fuenfzehnten maerz neunzehnhundertfuenfundachtzig", "birth", D(1985, 3, 15)),
    ("geboren am 3. Oktober 1990", "birth", D(1990, 10, 3)),
    ("dritter Oktober neunzehnhundertneunzig", "birth", D(1990, 10, 3)),
    ("einunddreißigster Dezember neunundsiebzig", "birth", D(1979, 12, 31)),
    ("zwölf drei fünfundachtzig", "birth", D(1985, 3, 12)),
    ("1. Jänner 1970", "birth", D(1970, 1, 1)),
    ("29.02.2000", "birth", D(2000, 2, 29)),
    ("29.02.1999", "birth", None),
    ("31. Juni 1980", "birth", None),
    ("15. März", "birth", None),
    ("morgen", "payment", D(2026, 11, 23)),
    ("übermorgen", "payment", D(2026, 11, 24)),
    ("uebermorgen", "payment", D(2026, 11, 24)),
    ("heute", "payment", D(2026, 11, 22)),
    ("nächsten Freitag", "payment", D(2026, 11, 27)),
    ("naechsten freitag", "payment", D(2026, 11, 27)),
    ("am Freitag", "payment", D(2026, 11, 27)),
    ("Montag", "payment", D(2026, 11, 23)),
    ("diesen Sonntag", "payment", D(2026, 11, 22)),
    ("Ende des Monats", "payment", D(2026, 11, 30)),
    ("Monatsende", "payment", D(2026, 11, 30)),
    ("Ende nächsten Monats", "payment", D(2026, 12, 31)),
    ("Anfang nächsten Monats", "payment", D(2026, 12, 1)),
    ("Anfang des nächsten Monats", "payment", D(2026, 12, 1)),
    ("Ende nächster Woche", "payment", D(2026, 11, 27)),
    ("nächste Woche", "payment", D(2026, 11, 23)),
    ("in zwei Wochen", "payment", D(2026, 12, 6)),
    ("in 14 Tagen", "payment", D(2026, 12, 6)),
    ("in einem Monat", "payment", D(2026, 12, 22)),
    ("am 15.", "payment", D(2026, 12, 15)),
    ("zum Fünfzehnten", "payment", D(2026, 12, 15)),
    ("am 15. März", "payment", D(2027, 3, 15)),
    ("fünfzehnter märz", "payment", D(2027, 3, 15)),
    ("am ersten Dezember", "payment", D(2026, 12, 1)),
    ("Mitte Dezember", "payment", D(2026, 12, 15)),
    ("15.12.", "payment", D(2026, 12, 15)),
    ("gestern", "payment", None),
    ("am 15.03.2020", "payment", None),
    ("wenn das Gehalt kommt", "payment", None),
    ("vor drei Tagen", "any", D(2026, 11, 19)),
    ("letzten Montag", "any", D(2026, 11, 16)),
]
EN = [
    ("12/03/1985", "birth", D(1985, 3, 12)),
    ("03/25/1985", "birth", D(1985, 3, 25)),
    ("1985-03-12", "birth", D(1985, 3, 12)),
    ("12031985", "birth", D(1985, 3, 12)),
    ("March 12th 1985", "birth", D(1985, 3, 12)),
    ("March 12, 1985", "birth", D(1985, 3, 12)),
    ("12th of March 1985", "birth", D(1985, 3, 12)),
    ("the twelfth of march nineteen eighty five", "birth", D(1985, 3, 12)),
    ("12 March 85", "birth", D(1985, 3, 12)),
    ("twelve three eighty five", "birth", D(1985, 3, 12)),
    ("1st of April 1990", "birth", D(1990, 4, 1)),
    ("the twenty-first of june nineteen ninety", "birth", D(1990, 6, 21)),
    ("5 June oh five", "birth", D(2005, 6, 5)),
    ("5 June nineteen oh nine", "birth", D(1909, 6, 5)),
    ("Febuary 3rd 1985", "birth", D(1985, 2, 3)),
    ("29 February 2000", "birth", D(2000, 2, 29)),
    ("29/02/1999", "birth", None),
    ("31 Feb 1985", "birth", None),
    ("12th of March", "birth", None),
    ("tomorrow", "payment", D(2026, 11, 23)),
    ("the day after tomorrow", "payment", D(2026, 11, 24)),
    ("today", "payment", D(2026, 11, 22)),
    ("next friday", "payment", D(2026, 11, 27)),
    ("on friday", "payment", D(2026, 11, 27)),
    ("Friday week", "payment", D(2026, 12, 4)),
    ("end of the month", "payment", D(2026, 11, 30)),
    ("end of next month", "payment", D(2026, 12, 31)),
    ("beginning of next month", "payment", D(2026, 12, 1)),
    ("next week", "payment", D(2026, 11, 23)),
    ("in two weeks", "payment", D(2026, 12, 6)),
    ("in 10 days", "payment", D(2026, 12, 2)),
    ("in a fortnight", "payment", D(2026, 12, 6)),
    ("in a month", "payment", D(2026, 12, 22)),
    ("the 5th", "payment", D(2026, 12, 5)),
    ("on the 22nd", "payment", D(2026, 11, 22)),
    ("12th of March", "payment", D(2027, 3, 12)),
    ("December 24th", "payment", D(2026, 12, 24)),
    ("mid December", "payment", D(2026, 12, 15)),
    ("payday", "payment", None),
    ("when I get paid", "payment", None),
    ("yesterday", "payment", None),
    ("12/03/85", "payment", None),
    ("yesterday", "any", D(2026, 11, 21)),
    ("two weeks ago", "any", D(2026, 11, 8)),
    ("last monday", "any", D(2026, 11, 16)),
]


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("fr", "vendredie", D(2026, 11, 27)),
        ("fr", "mercedi", D(2026, 11, 25)),
        ("fr", "VENDREDI", D(2026, 11, 27)),
        ("fr", "le 3 decmbre", D(2026, 12, 3)),
        ("fr", "le 3 dècembre", D(2026, 12, 3)),
        ("de", "Donnerstg", D(2026, 11, 26)),
        ("de", "am 3. Dezmber", D(2026, 12, 3)),
        ("de", "am 3. Feber", D(2027, 2, 3)),
        ("en", "thursay", D(2026, 11, 26)),
        ("en", "3rd of Decmber", D(2026, 12, 3)),
        ("en", "Setember 3", D(2027, 9, 3)),
    ],
)
def test_typos_and_missing_accents(language: str, text: str, expected: date) -> None:
    assert _value(parse_date(text, language, TODAY, "payment")) == expected


def test_today_is_a_sunday() -> None:
    assert TODAY.isoweekday() == 7


@pytest.mark.parametrize(("text", "kind", "expected"), FR)
def test_french(text: str, kind: str, expected: date | None) -> None:
    assert _value(parse_date(text, "fr", TODAY, kind)) == expected


@pytest.mark.parametrize(("text", "kind", "expected"), DE)
def test_german(text: str, kind: str, expected: date | None) -> None:
    assert _value(parse_date(text, "de", TODAY, kind)) == expected


@pytest.mark.parametrize(("text", "kind", "expected"), EN)
def test_english(text: str, kind: str, expected: date | None) -> None:
    assert _value(parse_date(text, "en", TODAY, kind)) == expected


@pytest.mark.parametrize(
    ("language", "text", "today", "expected"),
    [
        # Europe moves its clocks on these weekends: dates carry no time, so nothing shifts.
        ("fr", "demain", D(2026, 3, 28), D(2026, 3, 29)),
        ("de", "morgen", D(2026, 3, 29), D(2026, 3, 30)),
        ("en", "tomorrow", D(2026, 10, 24), D(2026, 10, 25)),
        ("fr", "dans 7 jours", D(2026, 10, 22), D(2026, 10, 29)),
        ("de", "nächsten Sonntag", D(2026, 3, 23), D(2026, 3, 29)),
        # Leap years and short months.
        ("fr", "dans un mois", D(2028, 1, 31), D(2028, 2, 29)),
        ("fr", "dans un mois", D(2027, 1, 31), D(2027, 2, 28)),
        ("de", "Ende des Monats", D(2028, 2, 10), D(2028, 2, 29)),
        ("en", "end of next month", D(2027, 1, 31), D(2027, 2, 28)),
        ("fr", "le 29", D(2027, 2, 1), D(2027, 3, 29)),
        ("fr", "le 31", D(2026, 4, 5), D(2026, 5, 31)),
        ("fr", "29 février", D(2026, 11, 22), D(2028, 2, 29)),
        ("en", "in a year", D(2028, 2, 29), D(2029, 2, 28)),
        # Year ends.
        ("fr", "demain", D(2026, 12, 31), D(2027, 1, 1)),
        ("de", "am 5. Januar", D(2026, 12, 20), D(2027, 1, 5)),
        ("en", "the 2nd", D(2026, 12, 30), D(2027, 1, 2)),
    ],
)
def test_calendar_edges(language: str, text: str, today: date, expected: date) -> None:
    assert _value(parse_date(text, language, today, "payment")) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("22.11.10", D(2010, 11, 22)),  # sixteen today: this century
        ("23.11.10", D(1910, 11, 23)),  # sixteen tomorrow: the last one
        ("01.01.00", D(2000, 1, 1)),
        ("01.01.26", D(1926, 1, 1)),
    ],
)
def test_two_digit_birth_years_make_an_adult_of_at_least_sixteen(text: str, expected: date) -> None:
    assert _value(parse_date(text, "de", TODAY, "birth")) == expected


def test_birth_dates_older_than_a_lifetime_are_refused() -> None:
    assert parse_date("01/01/1890", "fr", TODAY, "birth") is None
    assert _value(parse_date("01/01/1920", "fr", TODAY, "birth")) == D(1920, 1, 1)


def test_a_birth_date_is_in_the_past_and_a_payment_date_not() -> None:
    assert parse_date("22/11/2026", "fr", TODAY, "birth") is None
    assert _value(parse_date("22/11/2026", "fr", TODAY, "payment")) == TODAY
    assert parse_date("21/11/2026", "fr", TODAY, "payment") is None
    assert parse_date("12/03/2035", "fr", TODAY, "payment") is None  # beyond the horizon


def test_day_and_month_without_year_for_any_kind_is_the_nearest() -> None:
    assert _value(parse_date("12 mars", "fr", TODAY, "any")) == D(2027, 3, 12)
    assert _value(parse_date("1er novembre", "fr", TODAY, "any")) == D(2026, 11, 1)


def test_results_say_where_they_come_from_and_how_sure_they_are() -> None:
    full = parse_date("12.03.1985", "de", TODAY, "birth")
    assert full == DateResult(D(1985, 3, 12), "numeric", 1.0)
    two_digits = parse_date("12.03.85", "de", TODAY, "birth")
    assert two_digits is not None and two_digits.confidence < full.confidence
    written = parse_date("12 mars 1985", "fr", TODAY, "birth")
    assert written is not None and written.source == "written"
    spoken = parse_date("douze trois quatre-vingt-cinq", "fr", TODAY, "birth")
    assert spoken is not None and spoken.source == "spoken"
    vague = parse_date("la semaine prochaine", "fr", TODAY, "payment")
    exact = parse_date("demain", "fr", TODAY, "payment")
    assert vague is not None and exact is not None
    assert vague.source == exact.source == "relative" and vague.confidence < exact.confidence
    american = parse_date("03/25/1985", "en", TODAY, "birth")
    assert american is not None and american.confidence < 1.0


def test_a_weekday_that_does_not_match_lowers_confidence() -> None:
    matching = parse_date("vendredi 27 novembre", "fr", TODAY, "payment")
    clashing = parse_date("jeudi 27 novembre", "fr", TODAY, "payment")
    assert matching is not None and clashing is not None
    assert matching.value == clashing.value and clashing.confidence < matching.confidence


@pytest.mark.parametrize("language", ["fr", "de", "en"])
@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "???",
        "asdf qwer",
        "31/31/31",
        "99/99/9999",
        "0000-00-00",
        "99999999999999999999",
        "le 0",
        "le 32",
        "am 45.",
        "the 99th",
        "dans 999999999 jours",
        "in 99999 Jahren",
        "\x00\n\t",
        "🙂📅",
        "12/13/14/15",
        "2026-02-30",
        "le 31 février",
        "mille mille mille",
        "1" * 5000,
    ],
)
@pytest.mark.parametrize("kind", ["birth", "payment", "any"])
def test_garbage_is_none(language: str, text: str, kind: str) -> None:
    assert parse_date(text, language, TODAY, kind) is None


def test_programming_errors_are_loud() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        parse_date("demain", "fr", TODAY, "tomorrow")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unsupported language"):
        parse_date("mañana", "es", TODAY)


# fmt: off
_VOCABULARY = [
    "le", "am", "the", "of", "de", "12", "03", "1985", "85", "15.", "1er", "/", ".", "-", ",", "mars", "März",
    "march", "fevrier", "douze", "zwölften", "twelfth", "nineteen", "eighty", "five", "mille", "neuf", "cent",
    "quatre-vingt", "dans", "in", "jours", "Wochen", "weeks", "demain", "morgen", "tomorrow", "vendredi",
    "Freitag", "friday", "prochain", "nächsten", "next", "fin", "Ende", "end", "mois", "Monats", "month",
    "début", "Anfang", "il y a", "vor", "ago", "en huit", "week", "29", "février", "2000", "31", "0", "oh",
]
# fmt: on


@settings(max_examples=400, deadline=None)
@given(
    text=st.one_of(st.text(max_size=120), st.lists(st.sampled_from(_VOCABULARY), max_size=12).map(" ".join)),
    language=st.sampled_from(["fr", "de", "en"]),
    kind=st.sampled_from(["birth", "payment", "any"]),
    today=st.dates(min_value=D(1950, 1, 1), max_value=D(2090, 12, 31)),
)
def test_never_raises(text: str, language: str, kind: str, today: date) -> None:
    result = parse_date(text, language, today, kind)
    if result is not None:
        assert isinstance(result.value, date)
        assert 0 < result.confidence <= 1
        if kind == "birth":
            assert result.value < today
        if kind == "payment":
            assert result.value >= today


def _value(result: DateResult | None) -> date | None:
    return None if result is None else result.value
