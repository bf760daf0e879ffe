"""Amounts, counts and days of the month per language."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from debt.spoken import parse_count, parse_day_of_month, parse_spoken_amount

AMOUNTS = [
    ("fr", "50 euros", "50.00"),
    ("fr", "cinquante euros", "50.00"),
    ("fr", "50€", "50.00"),
    ("fr", "€50", "50.00"),
    ("fr", "50,50 €", "50.50"),
    ("fr", "50€50", "50.50"),
    ("fr", "cinquante euros cinquante", "50.50"),
    ("fr", "deux euros et cinquante centimes", "2.50"),
    ("fr", "cinquante centimes", "0.50"),
    ("fr", "20,50", "20.50"),
    ("fr", "1 234,50", "1234.50"),
    ("fr", "1\u00a0234,50\u00a0€", "1234.50"),
    ("fr", "mille deux cents euros", "1200.00"),
    ("fr", "cent euros", "100.00"),
    ("fr", "quatre-vingt-dix-neuf euros quatre-vingt-dix-neuf", "99.99"),
    ("fr", "vingt virgule cinq", "20.50"),
    ("fr", "vingt virgule zéro cinq", "20.05"),
    ("fr", "vingt cinquante", "20.50"),
    ("fr", "50 balles", "50.00"),
    ("fr", "je peux payer 50 euros par mois pendant 3 mois", "50.00"),
    ("fr", "3 fois 50 euros", "50.00"),
    ("fr", "100", "100.00"),
    ("de", "zwanzig Euro fünfzig", "20.50"),
    ("de", "zwanzig Euro und fünfzig Cent", "20.50"),
    ("de", "1.234,50 €", "1234.50"),
    ("de", "1.234 Euro", "1234.00"),
    ("de", "einen Euro", "1.00"),
    ("de", "hundert Euro", "100.00"),
    ("de", "zweihundertfünfzig Euro", "250.00"),
    ("de", "fünfzig Cent", "0.50"),
    ("de", "50,- €", "50.00"),
    ("de", "zwanzig Komma fünf", "20.50"),
    ("de", "1'234.50 CHF", "1234.50"),
    ("de", "EUR 75", "75.00"),
    ("en", "£40", "40.00"),
    ("en", "£40.50", "40.50"),
    ("en", "forty quid", "40.00"),
    ("en", "forty pounds fifty", "40.50"),
    ("en", "two pounds and fifty pence", "2.50"),
    ("en", "fifty p", "0.50"),
    ("en", "50p", "0.50"),
    ("en", "1,234.50", "1234.50"),
    ("en", "£1,234.50", "1234.50"),
    ("en", "two hundred and fifty pounds", "250.00"),
    ("en", "a hundred pounds", "100.00"),
    ("en", "twenty point five", "20.50"),
    ("en", "GBP 12", "12.00"),
]
NOT_AMOUNTS = [
    ("fr", ""),
    ("fr", "je ne sais pas"),
    ("fr", "entre 20 et 30"),
    ("fr", "vingt virgule cinq cent six"),
    ("de", "keine Ahnung"),
    ("de", "1.234.5"),
    ("en", "nothing"),
    ("en", "twenty or thirty"),
]


@pytest.mark.parametrize(("language", "text", "expected"), AMOUNTS)
def test_amount(language: str, text: str, expected: str) -> None:
    value = parse_spoken_amount(text, language)
    assert value == Decimal(expected)
    assert value is not None and value.as_tuple().exponent == -2


@pytest.mark.parametrize(("language", "text"), NOT_AMOUNTS)
def test_not_an_amount(language: str, text: str) -> None:
    assert parse_spoken_amount(text, language) is None


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("fr", "3", 3),
        ("fr", "trois", 3),
        ("fr", "en 4 fois", 4),
        ("fr", "en quatre fois", 4),
        ("fr", "douze mensualités", 12),
        ("fr", "sur 6 mois", 6),
        ("fr", "sur deux ans", 24),
        ("fr", "50 euros en 3 fois", 3),
        ("fr", "50 euros par mois", None),
        ("fr", "0", None),
        ("fr", "le troisième", None),
        ("de", "in drei Raten", 3),
        ("de", "zwölf Monate", 12),
        ("de", "zweimal", 2),
        ("de", "drei mal", 3),
        ("de", "über ein Jahr", 12),
        ("de", "fünf", 5),
        ("de", "20 Euro in vier Raten", 4),
        ("en", "six months", 6),
        ("en", "in 3 instalments", 3),
        ("en", "twice", 2),
        ("en", "over two years", 24),
        ("en", "twelve", 12),
        ("en", "£50 a month", None),
        ("en", "three or four", None),
        ("en", "5000", None),
    ],
)
def test_count(language: str, text: str, expected: int | None) -> None:
    assert parse_count(text, language) == expected


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("fr", "le 10", 10),
        ("fr", "le cinq", 5),
        ("fr", "le premier", 1),
        ("fr", "le 1er", 1),
        ("fr", "tous les 10 du mois", 10),
        ("fr", "le 31", 31),
        ("fr", "le 32", None),
        ("fr", "le 0", None),
        ("de", "am 15.", 15),
        ("de", "fünfzehnten", 15),
        ("de", "zum Ersten", 1),
        ("de", "jeden 3. des Monats", 3),
        ("de", "am 30.", 30),
        ("en", "the 5th", 5),
        ("en", "on the twenty-first", 21),
        ("en", "every month on the 15th", 15),
        ("en", "15", 15),
        ("en", "the 40th", None),
        ("en", "whenever", None),
    ],
)
def test_day_of_month(language: str, text: str, expected: int | None) -> None:
    assert parse_day_of_month(text, language) == expected


# fmt: off
_VOCABULARY = [
    "50", "1.234,50", "1 234", "20,5", "€", "£", "$", "euros", "Euro", "pounds", "quid", "centimes", "Cent",
    "p", "pence", "cinquante", "zwanzig", "forty", "et", "und", "and", "virgule", "Komma", "point", "fois",
    "Raten", "months", "le", "am", "the", "15.", "5th", "mal", "zweimal", ",", ".", "-", "0",
    "99999999999999999999",
]
# fmt: on


@settings(max_examples=400, deadline=None)
@given(
    text=st.one_of(st.text(max_size=120), st.lists(st.sampled_from(_VOCABULARY), max_size=10).map(" ".join)),
    language=st.sampled_from(["fr", "de", "en"]),
)
def test_never_raises(text: str, language: str) -> None:
    amount = parse_spoken_amount(text, language)
    assert amount is None or amount == amount.quantize(Decimal("0.01"))
    count = parse_count(text, language)
    assert count is None or 1 <= count <= 999
    day = parse_day_of_month(text, language)
    assert day is None or 1 <= day <= 31


@pytest.mark.parametrize("text", ["𑁒", "𑁒 euros", "½"])
def test_digits_that_are_not_decimal_read_as_nothing(text: str) -> None:
    # Brahmi number one is a digit to str.isdigit() but not a decimal int() can read.
    assert parse_spoken_amount(text, "fr") is None
