"""Number words in French, German and English: tables per language and round trips 0..9999."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from debt.spoken import words_to_digits, words_to_number

FR = [
    ("zéro", 0),
    ("un", 1),
    ("une", 1),
    ("seize", 16),
    ("dix-sept", 17),
    ("vingt et un", 21),
    ("vingt-et-un", 21),
    ("trente-deux", 32),
    ("soixante-dix", 70),
    ("soixante et onze", 71),
    ("soixante-dix-neuf", 79),
    ("quatre-vingts", 80),
    ("quatre-vingt-un", 81),
    ("quatre vingt dix neuf", 99),
    ("quatre-vingt-dix-neuf", 99),
    ("septante-cinq", 75),
    ("nonante", 90),
    ("cent", 100),
    ("cent un", 101),
    ("deux cents", 200),
    ("deux cent cinquante", 250),
    ("mille", 1000),
    ("mille et un", 1001),
    ("mille neuf cent quatre-vingt-cinq", 1985),
    ("mil neuf cent quatre-vingt-cinq", 1985),
    ("dix-neuf cent quatre-vingt-cinq", 1985),
    ("deux mille trois", 2003),
    ("deux mille vingt-six", 2026),
    ("vingt vingt-six", 2026),
    ("un million deux cent mille", 1_200_000),
    ("premier", 1),
    ("première", 1),
    ("1er", 1),
    ("deuxième", 2),
    ("cinquième", 5),
    ("neuvième", 9),
    ("vingt et unième", 21),
    ("trente et unième", 31),
    ("Quatre-Vingt-Dix", 90),
    ("42", 42),
]
DE = [
    ("null", 0),
    ("eins", 1),
    ("zwo", 2),
    ("zwölf", 12),
    ("zwoelf", 12),
    ("siebzehn", 17),
    ("einundzwanzig", 21),
    ("dreißig", 30),
    ("dreissig", 30),
    ("fünfundachtzig", 85),
    ("fuenfundachtzig", 85),
    ("funfundachtzig", 85),
    ("fünf und achtzig", 85),
    ("hundert", 100),
    ("einhundertundeins", 101),
    ("zweihundertfünfzig", 250),
    ("tausend", 1000),
    ("neunzehnhundertfünfundachtzig", 1985),
    ("neunzehn hundert fünfundachtzig", 1985),
    ("eintausendneunhundertfünfundachtzig", 1985),
    ("zweitausenddrei", 2003),
    ("zweitausendunddrei", 2003),
    ("zwanzig sechsundzwanzig", 2026),
    ("erste", 1),
    ("ersten", 1),
    ("dritter", 3),
    ("siebten", 7),
    ("siebente", 7),
    ("achte", 8),
    ("zwölften", 12),
    ("fünfzehnter", 15),
    ("zwanzigsten", 20),
    ("einunddreißigsten", 31),
    ("hundertste", 100),
    ("15.", 15),
    ("ZWEIUNDZWANZIG", 22),
]
EN = [
    ("zero", 0),
    ("one", 1),
    ("eleven", 11),
    ("twenty-one", 21),
    ("twenty one", 21),
    ("fourty", 40),
    ("ninety-nine", 99),
    ("a hundred", 100),
    ("one hundred and five", 105),
    ("two hundred fifty", 250),
    ("a thousand", 1000),
    ("two thousand and three", 2003),
    ("two thousand three hundred", 2300),
    ("nineteen hundred and five", 1905),
    ("nineteen eighty five", 1985),
    ("nineteen eighty-five", 1985),
    ("nineteen oh five", 1905),
    ("twenty twenty six", 2026),
    ("twenty oh three", 2003),
    ("oh five", 5),
    ("three million", 3_000_000),
    ("first", 1),
    ("second", 2),
    ("third", 3),
    ("fifth", 5),
    ("twelfth", 12),
    ("twentieth", 20),
    ("twenty-first", 21),
    ("thirty first", 31),
    ("hundredth", 100),
    ("21st", 21),
    ("3rd", 3),
]
NOT_NUMBERS = [
    ("fr", ""),
    ("fr", "deux trois"),
    ("fr", "trois vingt"),
    ("fr", "et"),
    ("fr", "cent et"),
    ("fr", "bonjour"),
    ("fr", "premier deux"),
    ("de", "zweidrei"),
    ("de", "hallo"),
    ("de", "und"),
    ("de", "einen monat"),
    ("de", "hunderte"),
    ("en", "one two"),
    ("en", "and"),
    ("en", "a"),
    ("en", "first second"),
    ("en", "twenty twenty twenty"),
    ("en", "month"),
    ("en", "99999999999999999999999"),
]


@pytest.mark.parametrize(("text", "expected"), FR)
def test_french(text: str, expected: int) -> None:
    assert words_to_number(text, "fr") == expected


@pytest.mark.parametrize(("text", "expected"), DE)
def test_german(text: str, expected: int) -> None:
    assert words_to_number(text, "de") == expected


@pytest.mark.parametrize(("text", "expected"), EN)
def test_english(text: str, expected: int) -> None:
    assert words_to_number(text, "en") == expected


@pytest.mark.parametrize(("language", "text"), NOT_NUMBERS)
def test_not_a_number(language: str, text: str) -> None:
    assert words_to_number(text, language) is None


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("fr", "un deux trois", "123"),
        ("fr", "soixante-quinze zéro zéro un", "75001"),
        ("fr", "zéro six, douze, trente-quatre", "061234"),
        ("fr", "euh quatre quatre", "44"),
        ("fr", "06 12 34 56 78", "0612345678"),
        ("fr", "un deux bonjour", None),
        ("fr", "", None),
        ("de", "eins zwo drei", "123"),
        ("de", "null acht neun, äh, sieben", "0897"),
        ("de", "dreiundzwanzig vier", "234"),
        ("en", "one two three", "123"),
        ("en", "double oh seven", "007"),
        ("en", "triple five two", "5552"),
        ("en", "oh one two", "012"),
        ("en", "um, four, two", "42"),
        ("en", "first two", None),
    ],
)
def test_words_to_digits(language: str, text: str, expected: str | None) -> None:
    assert words_to_digits(text, language) == expected


def test_language_codes_and_unknown_language() -> None:
    assert words_to_number("vingt", "fr-CH") == 20
    assert words_to_number("zwanzig", "DE_at") == 20
    with pytest.raises(ValueError, match="unsupported language"):
        words_to_number("veinte", "es")


# Reference spellers, written from the grammar books, independent of the code under test.

# fmt: off
_EN_SMALL = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
             "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_EN_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
# fmt: on


def spell_en(n: int) -> str:
    if n < 20:
        return _EN_SMALL[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        return _EN_TENS[tens] + (f"-{_EN_SMALL[unit]}" if unit else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_EN_SMALL[hundreds]} hundred" + (f" and {spell_en(rest)}" if rest else "")
    thousands, rest = divmod(n, 1000)
    head = f"{spell_en(thousands)} thousand"
    if not rest:
        return head
    return f"{head} and {spell_en(rest)}" if rest < 100 else f"{head} {spell_en(rest)}"


# fmt: off
_FR_SMALL = ["zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix", "onze",
             "douze", "treize", "quatorze", "quinze", "seize", "dix-sept", "dix-huit", "dix-neuf"]
_FR_TENS = ["", "", "vingt", "trente", "quarante", "cinquante", "soixante"]
# fmt: on


def spell_fr(n: int) -> str:
    if n < 20:
        return _FR_SMALL[n]
    if n < 70:
        tens, unit = divmod(n, 10)
        if unit == 0:
            return _FR_TENS[tens]
        return f"{_FR_TENS[tens]} et un" if unit == 1 else f"{_FR_TENS[tens]}-{_FR_SMALL[unit]}"
    if n < 80:
        return "soixante et onze" if n == 71 else f"soixante-{_FR_SMALL[n - 60]}"
    if n < 100:
        return "quatre-vingts" if n == 80 else f"quatre-vingt-{_FR_SMALL[n - 80]}"
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        head = "cent" if hundreds == 1 else f"{_FR_SMALL[hundreds]} cent" + ("" if rest else "s")
        return f"{head} {spell_fr(rest)}" if rest else head
    thousands, rest = divmod(n, 1000)
    head = "mille" if thousands == 1 else f"{spell_fr(thousands)} mille"
    return f"{head} {spell_fr(rest)}" if rest else head


# fmt: off
_DE_SMALL = ["null", "eins", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun", "zehn", "elf",
             "zwölf", "dreizehn", "vierzehn", "fünfzehn", "sechzehn", "siebzehn", "achtzehn", "neunzehn"]
_DE_TENS = ["", "", "zwanzig", "dreißig", "vierzig", "fünfzig", "sechzig", "siebzig", "achtzig", "neunzig"]
# fmt: on


def spell_de(n: int) -> str:
    """One word, as German writes numbers: zweitausenddreihundertfünfundvierzig."""
    if n == 0:
        return "null"
    return _de_compound(n)


def _de_compound(n: int, final: bool = True) -> str:
    if n == 0:
        return ""
    if n < 20:
        return ("eins" if final else "ein") if n == 1 else _DE_SMALL[n]
    if n < 100:
        tens, unit = divmod(n, 10)
        return (("ein" if unit == 1 else _DE_SMALL[unit]) + "und" if unit else "") + _DE_TENS[tens]
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return ("ein" if hundreds == 1 else _DE_SMALL[hundreds]) + "hundert" + _de_compound(rest)
    thousands, rest = divmod(n, 1000)
    return _de_compound(thousands, final=False) + "tausend" + _de_compound(rest)


SPELLERS = {"fr": spell_fr, "de": spell_de, "en": spell_en}


@pytest.mark.parametrize(
    ("language", "n", "spelled"),
    [
        ("fr", 71, "soixante et onze"),
        ("fr", 80, "quatre-vingts"),
        ("fr", 200, "deux cents"),
        ("fr", 1985, "mille neuf cent quatre-vingt-cinq"),
        ("de", 1, "eins"),
        ("de", 101, "einhunderteins"),
        ("de", 1985, "eintausendneunhundertfünfundachtzig"),
        ("en", 2003, "two thousand and three"),
        ("en", 115, "one hundred and fifteen"),
    ],
)
def test_reference_spellers(language: str, n: int, spelled: str) -> None:
    assert SPELLERS[language](n) == spelled


@settings(max_examples=300, deadline=None)
@given(n=st.integers(min_value=0, max_value=9999), language=st.sampled_from(["fr", "de", "en"]))
def test_round_trip(n: int, language: str) -> None:
    assert words_to_number(SPELLERS[language](n), language) == n


@pytest.mark.parametrize("language", ["fr", "de", "en"])
def test_round_trip_every_number_below_ten_thousand(language: str) -> None:
    speller = SPELLERS[language]
    wrong = [n for n in range(10_000) if words_to_number(speller(n), language) != n]
    assert wrong == []


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=80), language=st.sampled_from(["fr", "de", "en"]))
def test_never_raises_on_arbitrary_text(text: str, language: str) -> None:
    words_to_number(text, language)
    words_to_digits(text, language)
