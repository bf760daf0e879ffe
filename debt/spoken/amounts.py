"""Amounts of money, numbers of instalments and days of the month as debtors say or type them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from debt.spoken._text import fold, language_of, readable, tokenize
from debt.spoken.dates import find_day_of_month
from debt.spoken.numbers import Span, find_numbers

CENT = Decimal("0.01")
MAX_COUNT = 999

# fmt: off
MAJOR_UNITS = {
    "fr": frozenset({"euro", "euros", "eur", "balle", "balles", "franc", "francs", "chf", "livre", "livres",
                     "dollar", "dollars"}),
    "de": frozenset({"euro", "euros", "eur", "franken", "chf", "pfund", "dollar"}),
    "en": frozenset({"pound", "pounds", "quid", "gbp", "euro", "euros", "eur", "dollar", "dollars", "bucks",
                     "chf", "francs"}),
}
# French "cent" is a hundred, so only "centime" is a minor unit there.
MINOR_UNITS = {
    "fr": frozenset({"centime", "centimes", "cts", "ct"}),
    "de": frozenset({"cent", "cents", "ct", "rappen"}),
    "en": frozenset({"pence", "penny", "pennies", "p", "cent", "cents", "ct"}),
}
SYMBOLS = frozenset({"€", "£", "$"})
DECIMAL_WORDS = {"fr": frozenset({"virgule"}), "de": frozenset({"komma"}), "en": frozenset({"point", "dot"})}
AND_WORDS = {"fr": frozenset({"et"}), "de": frozenset({"und"}), "en": frozenset({"and"})}
COUNT_WORDS = {
    "fr": frozenset({"fois", "mois", "mensualite", "mensualites", "echeance", "echeances", "versement",
                     "versements", "paiement", "paiements", "tranche", "tranches", "prelevement",
                     "prelevements"}),
    "de": frozenset({"mal", "raten", "rate", "monatsraten", "monate", "monaten", "monat", "zahlungen",
                     "zahlung", "teilzahlungen", "teilzahlung", "teilbetraege"}),
    "en": frozenset({"times", "months", "month", "instalments", "installments", "instalment", "installment",
                     "payments", "payment", "goes", "parts"}),
}
YEAR_WORDS = {
    "fr": frozenset({"an", "ans", "annee", "annees"}),
    "de": frozenset({"jahr", "jahre", "jahren"}),
    "en": frozenset({"year", "years"}),
}
ONCE_EN = {"once": 1, "twice": 2, "thrice": 3}
# fmt: on

# 1 234,50 / 1.234,50 / 1,234.50 / 1'234.50 / 20,50 / 50: groups of three, then at most two decimals.
_NUMBER = re.compile(
    r"(?P<int>\d{1,3}(?:(?P<group>[ '.,])\d{3})(?:(?P=group)\d{3})*(?!\d)|\d{1,15}(?!\d))"
    r"(?:(?P<sep>[.,])(?P<frac>\d{1,2})(?!\d))?"
)
_SCAN = re.compile(rf"(?P<num>{_NUMBER.pattern})|(?P<word>[^\W\d_]+)|(?P<mark>[^\w\s])")


@dataclass(frozen=True, slots=True)
class _Item:
    kind: str  # num, major, minor, decimal, and, word, mark
    value: Decimal = Decimal(0)
    digits: str = ""  # a whole number as said or typed ("05"), for digits after a decimal word
    whole: bool = True


def parse_spoken_amount(text: str, language: str) -> Decimal | None:
    """An amount in cents: "50 €", "cinquante euros cinquante", "zwanzig Euro fünfzig", "£40", "1.234,50".

    An amount next to a currency wins over bare numbers ("50 euros par mois pendant 3 mois"
    is 50); without any currency the text must hold one number, or two said as euros and
    cents ("vingt cinquante" is 20.50).
    """
    lang = language_of(language)
    if not readable(text):
        return None
    items = _scan(text, lang)
    if items is None:
        return None
    bare: list[tuple[int, Decimal]] = []
    i = 0
    while i < len(items):
        item = items[i]
        symbol_first = item.kind == "major" and (i == 0 or items[i - 1].kind != "num")
        if symbol_first and i + 1 < len(items) and items[i + 1].kind == "num":  # "£40", "EUR 50"
            value, _ = _with_fraction(items, i + 1, lang)
            return None if value is None else value.quantize(CENT)
        if item.kind != "num":
            i += 1
            continue
        value, j = _with_fraction(items, i, lang)
        if value is None:
            return None
        if j < len(items) and items[j].kind == "minor":
            return (value / 100).quantize(CENT) if value < 100 else None
        if j < len(items) and items[j].kind == "major":
            return (value + _cents_after(items, j + 1)).quantize(CENT)
        bare.append((i, value))
        i = j
    if len(bare) == 1:
        return bare[0][1].quantize(CENT)
    if len(bare) == 2:
        (i, euros), (k, cents) = bare
        if k == i + 1 and items[i].whole and items[k].whole and 10 <= cents <= 99:
            return (euros + cents / 100).quantize(CENT)
    return None


def parse_count(text: str, language: str) -> int | None:
    """How many instalments or months: "3", "trois", "en 4 fois", "in drei Raten", "six months", "zweimal".

    A number next to a count word wins; years count as twelve months ("sur deux ans" is 24).
    Numbers next to a currency are amounts, not counts. None outside 1..999.
    """
    lang = language_of(language)
    if not readable(text):
        return None
    tokens = tokenize(text)
    for token in tokens:
        if lang == "en" and token in ONCE_EN:
            return ONCE_EN[token]
        if lang == "de" and token.endswith("mal") and len(token) > 3:  # zweimal, dreimal
            span = find_numbers([token[:-3]], lang)
            if span and span[0].end == 1:
                return _count(span[0].value)
    spans = [s for s in find_numbers(tokens, lang) if not s.ordinal and not is_money(tokens, s, lang)]
    for span in spans:
        following = tokens[span.end] if span.end < len(tokens) else ""
        if following in COUNT_WORDS[lang]:
            return _count(span.value)
        if following in YEAR_WORDS[lang]:
            return _count(span.value * 12)
    return _count(spans[0].value) if len(spans) == 1 else None


def parse_day_of_month(text: str, language: str) -> int | None:
    """The day of the month a person names: "the 5th", "le 10", "am 15.", "le cinq", "fünfzehnten".

    Only checks 1..31. Whether a 29th, 30th or 31st is kept, moved to the month's last day or
    refused in a short month is the caller's policy (see dates.next_day_of_month for one).
    """
    lang = language_of(language)
    if not readable(text):
        return None
    span = find_day_of_month(tokenize(text), lang)
    return None if span is None else span.value


def _scan(text: str, lang: str) -> list[_Item] | None:
    """Items of the text; numbers in words become num items. None when a number is malformed."""
    items: list[_Item] = []
    words: list[str] = []
    for m in _SCAN.finditer(fold(text)):
        if m["word"]:
            words.append(m["word"])
            continue
        items.extend(_words(words, lang))
        words = []
        if m["num"]:
            number = _NUMBER.fullmatch(m["num"])
            if number is None or (number["sep"] and number["sep"] == number["group"]):
                return None
            whole = re.sub(r"\D", "", number["int"])
            frac = number["frac"] or ""
            value = Decimal(f"{whole}.{frac}") if frac else Decimal(whole)
            items.append(_Item("num", value, "" if number["group"] else whole, whole=not frac))
        else:
            items.append(_Item("major" if m["mark"] in SYMBOLS else "mark"))
    items.extend(_words(words, lang))
    return items


def _words(words: list[str], lang: str) -> list[_Item]:
    items: list[_Item] = []
    spans = {s.start: s for s in find_numbers(words, lang) if not s.ordinal}
    i = 0
    while i < len(words):
        span = spans.get(i)
        if span is not None:
            items.append(_Item("num", Decimal(span.value), str(span.value)))
            i = span.end
            continue
        word = words[i]
        if word in MAJOR_UNITS[lang]:
            items.append(_Item("major"))
        elif word in MINOR_UNITS[lang]:
            items.append(_Item("minor"))
        elif word in DECIMAL_WORDS[lang]:
            items.append(_Item("decimal"))
        elif word in AND_WORDS[lang]:
            items.append(_Item("and"))
        else:
            items.append(_Item("word"))
        i += 1
    return items


def _with_fraction(items: list[_Item], i: int, lang: str) -> tuple[Decimal | None, int]:
    """The number at items[i], with decimals said after "virgule"/"Komma"/"point" ("vingt virgule cinq")."""
    value = items[i].value
    j = i + 1
    if j < len(items) and items[j].kind == "decimal" and items[i].whole:
        digits = ""
        j += 1
        while j < len(items) and items[j].kind == "num" and items[j].whole and items[j].digits:
            digits += items[j].digits
            j += 1
        if not 1 <= len(digits) <= 2:
            return None, j
        value += Decimal(f"0.{digits}")
    return value, j


def _cents_after(items: list[_Item], j: int) -> Decimal:
    """The cents said after the currency: "cinquante euros cinquante", "two pounds and fifty pence"."""
    if j < len(items) and items[j].kind == "and":
        j += 1
    if j < len(items) and items[j].kind == "num" and items[j].whole and items[j].value < 100:
        following = items[j + 1].kind if j + 1 < len(items) else ""
        if following != "major":
            return items[j].value / 100
    return Decimal(0)


def is_money(tokens: list[str], span: Span, lang: str) -> bool:
    before = tokens[span.start - 1] if span.start else ""
    after = tokens[span.end] if span.end < len(tokens) else ""
    money = MAJOR_UNITS[lang] | MINOR_UNITS[lang] | SYMBOLS
    decimal = after in (",", ".") and span.end + 1 < len(tokens) and tokens[span.end + 1][:1].isdigit()
    return before in money or after in money or decimal or (before in (",", ".") and span.digits is not None)


def _count(value: int) -> int | None:
    return value if 1 <= value <= MAX_COUNT else None
