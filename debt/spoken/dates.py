"""Dates as debtors say or type them: birth dates for the identity gate, payment dates for promises.

Readers are tried from the most to the least explicit: digits ("12/03/85"), a month
name ("le 12 mars 1985"), three spoken numbers ("douze trois quatre-vingt-cinq"),
words relative to today ("demain", "in zwei Wochen", "end of the month"), a day of
the month alone ("the 5th") and last a weekday ("vendredi"). The first reader that
recognises something decides: a date it finds invalid is not retried by the others.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal

from dateutil.relativedelta import relativedelta

from debt.spoken import calendar_words as cal
from debt.spoken._text import fold, fuzzy_lookup, is_word, language_of, readable, tokenize
from debt.spoken.numbers import Span, find_numbers, is_number_word, read_number, read_number_before

Kind = Literal["birth", "payment", "any"]
Source = Literal["numeric", "written", "spoken", "relative"]

KINDS = ("birth", "payment", "any")
BIRTH_MIN_AGE = 16  # a two-digit birth year is in this century only if that makes the person this old
BIRTH_MAX_AGE = 120
PAYMENT_HORIZON_YEARS = 5  # a promise to pay further ahead than this is not a date we can hold anyone to
_LAST = -1  # day of month: the last one

_ISO = re.compile(r"(?<!\d)(?<!\d[-/.])(\d{4})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})(?!\d|[-/.]\d)")
_DMY = re.compile(
    r"(?<!\d)(?<!\d[-/.])(?P<d>\d{1,2})\s*([-/.])\s*(?P<m>\d{1,2})\s*\2\s*(?P<y>\d{4}|\d{2})(?!\d|[-/.]\d)"
)
_DMY_SPACED = re.compile(r"(?<!\d)(?<!\d[./-])(?P<d>\d{1,2}) (?P<m>\d{1,2}) (?P<y>\d{4}|\d{2})(?!\d|[./-]\d)")
_COMPACT = re.compile(r"(?<!\d)(?<!\d[./-])(\d{8}|\d{6})(?!\d|[./-]\d)")
_DM = re.compile(r"(?<![\d./-])(\d{1,2})([./])(\d{1,2})\.?(?![\d/]|[.-]\d)")

CONFIDENT = 1.0
LIKELY = 0.9
PROBABLE = 0.8
AMBIGUOUS = 0.7
VAGUE = 0.6
ROUGH = 0.5
GUESS = 0.4


@dataclass(frozen=True, slots=True)
class DateResult:
    """A date read from text.

    source: "numeric" (digits), "written" (a month name), "spoken" (three numbers said in a
    row) or "relative" (to today). confidence: 1.0 for an explicit full date, lower when the
    year or the century was inferred, and down to 0.4 for vague words ("le mois prochain").
    """

    value: date
    source: Source
    confidence: float


class _Invalid:
    """A reader recognised a date that does not exist or does not fit: the answer is None."""


_INVALID = _Invalid()
_Found = DateResult | _Invalid | None


@dataclass(frozen=True, slots=True)
class _Context:
    text: str  # folded
    tokens: list[str]
    words: str  # word tokens joined by single spaces, for phrase patterns
    lang: str
    today: date
    kind: str


def parse_date(text: str, language: str, today: date, kind: Kind = "any") -> DateResult | None:
    """The date a person means, or None when there is none or it cannot be the kind asked for.

    kind="birth": in the past, a year is required; "85" is 1985, "05" is 2005 if that makes the
    person at least 16 today, else 1905. kind="payment": today or later (at most five years
    ahead); a day and month without a year is the next one to come, and so is a day alone
    ("le 5", rolled to the next month that has it). Relative words
    ("demain", "nächsten Freitag", "in two weeks") count for payments and "any", not birth.
    """
    lang = language_of(language)
    if kind not in KINDS:
        raise ValueError(f"unknown kind of date: {kind!r}")
    if not readable(text):
        return None
    tokens = tokenize(text)
    ctx = _Context(fold(text), tokens, " ".join(t for t in tokens if is_word(t)), lang, today, kind)
    readers: list[Callable[[_Context], _Found]] = [_numeric, _written, _spoken]
    if kind != "birth":
        readers += [_day_words, _in_units, _periods, _day_only, _weekday]
    for reader in readers:
        found = reader(ctx)
        if isinstance(found, _Invalid):
            return None
        if found is not None:
            return found if _fits(found.value, kind, today) else None
    return None


def find_day_of_month(tokens: Sequence[str], language: str) -> Span | None:
    """The number in tokens that names a day of the month (1..31): "le 5", "the 5th", "am 15.", "fünfzehnten".

    A number counts when it is an ordinal, follows a word such as "le"/"am"/"the" or a
    weekday, comes before "du mois"/"des Monats"/"of the month", or is all there is.
    """
    lang = language_of(language)
    words = [t for t in tokens if is_word(t)]
    spans = [s for s in find_numbers(words, lang) if 1 <= s.value <= 31 and len(s.digits or "0") <= 2]
    for span in spans:
        before = words[span.start - 1] if span.start else ""
        after = words[span.end : span.end + 3]
        if (
            span.ordinal
            or before in cal.DAY_MARKERS[lang]
            or _weekday_of(before, lang) is not None
            or any(w in cal.MONTH_NOUNS[lang] for w in after)
            or (span.start == 0 and span.end == len(words))
        ):
            return span
    return None


# Readers


def _numeric(ctx: _Context) -> _Found:
    m = _ISO.search(ctx.text)
    if m:
        return _dated(int(m[4]), int(m[3]), int(m[1]), False, ctx, "numeric")
    for pattern in (_DMY, _DMY_SPACED):
        m = pattern.search(ctx.text)
        if m:
            first, second, year = int(m["d"]), int(m["m"]), m["y"]
            found = _dated(first, second, int(year), len(year) == 2, ctx, "numeric")
            if isinstance(found, _Invalid) and ctx.lang == "en" and second > 12:
                # An American month/day order, only when the other order cannot be a date.
                swapped = _dated(second, first, int(year), len(year) == 2, ctx, "numeric")
                if isinstance(swapped, DateResult):
                    return replace(swapped, confidence=VAGUE)
            return found
    m = _COMPACT.search(ctx.text)
    if m:
        digits = m[1]
        if len(digits) == 6:
            return _dated(int(digits[:2]), int(digits[2:4]), int(digits[4:]), True, ctx, "numeric")
        found = _dated(int(digits[:2]), int(digits[2:4]), int(digits[4:]), False, ctx, "numeric")
        if isinstance(found, _Invalid) and digits[:2] in ("19", "20"):
            return _dated(int(digits[6:]), int(digits[4:6]), int(digits[:4]), False, ctx, "numeric")
        return found
    m = _DM.search(ctx.text)
    if m and 1 <= int(m[1]) <= 31 and 1 <= int(m[3]) <= 12:
        return _dated(int(m[1]), int(m[3]), None, False, ctx, "numeric")
    return None


def _written(ctx: _Context) -> _Found:
    """A month named in words, with a day before or after it and maybe a year."""
    tokens, lang = ctx.tokens, ctx.lang
    months = [(i, m) for i, t in enumerate(tokens) if (m := _month_of(t, lang)) is not None]
    # "sept" is a number before it is September.
    months.sort(key=lambda item: (is_number_word(tokens[item[0]], lang), item[0]))
    for index, month in months:
        day: int | None = None
        after = index + 1
        before = _skip_back(tokens, index - 1, lang)
        span = read_number_before(tokens, before + 1, lang, at_most=31) if before >= 0 else None
        if span is not None and _is_day(span):
            day = span.value
        else:
            span = read_number(tokens, _skip(tokens, index + 1, cal.AFTER_MONTH), lang, at_most=31)
            if span is not None and _is_day(span):
                day, after = span.value, span.end
        position = None if day is not None else _position_before(tokens, index, lang)
        if position is not None:
            day = {"start": 1, "mid": 15, "end": _LAST}[position]
        if day is None:
            continue
        year, two_digit = _year_at(tokens, _skip(tokens, after, cal.CONNECTORS[lang]), lang)
        found = _dated(day, month, year, two_digit, ctx, "written")
        if isinstance(found, DateResult) and position is not None:
            found = replace(found, confidence=min(found.confidence, VAGUE))
        return _weekday_checked(found, ctx)
    return None


def _spoken(ctx: _Context) -> _Found:
    """Day, month and year said as three numbers: "douze trois quatre-vingt-cinq", "zwölf drei 85"."""
    tokens, lang = ctx.tokens, ctx.lang
    for start in range(len(tokens)):
        day = read_number(tokens, start, lang, at_most=31)
        if day is None or not _is_day(day):
            continue
        month = read_number(tokens, _skip(tokens, day.end, {",", ".", "/"}), lang, at_most=12)
        if month is None or month.value < 1 or len(month.digits or "0") > 2:
            continue
        year, two_digit = _year_at(tokens, _skip(tokens, month.end, {",", ".", "/"}), lang)
        if year is None:
            continue
        found = _dated(day.value, month.value, year, two_digit, ctx, "spoken")
        if isinstance(found, DateResult):
            return replace(found, confidence=min(found.confidence, PROBABLE))
        return found
    return None


def _day_words(ctx: _Context) -> _Found:
    for pattern, days in cal.DAY_WORDS[ctx.lang]:
        if re.search(rf"\b(?:{pattern})\b", ctx.words):
            return DateResult(ctx.today + timedelta(days=days), "relative", CONFIDENT)
    return None


def _in_units(ctx: _Context) -> _Found:
    """Days, weeks, months from now: "dans 10 jours", "in zwei Wochen", "in a fortnight", "two weeks ago"."""
    words = ctx.words.split()
    lang = ctx.lang
    for index, word in enumerate(words):
        unit = cal.UNITS[lang].get(word)
        if unit is None or index == 0:
            continue
        if lang == "en" and words[index + 1 : index + 2] == ["on"]:
            continue  # "a week on Friday" is a weekday, read below
        span = read_number_before(words, index, lang)
        if span is not None and not span.ordinal:
            count = span.value
            start = span.start
        elif lang == "en" and words[index - 1] in ("a", "an"):
            count, start = 1, index - 1
        else:
            continue
        if lang == "fr" and unit == "day" and count in (8, 15) and span is not None and span.digits is None:
            count -= 1  # "dans huit jours" is a week, "dans quinze jours" two
        if count > cal.UNIT_LIMITS[unit]:
            return _INVALID
        preceding = " ".join(words[max(0, start - 3) : start])
        following = " ".join(words[index + 1 : index + 2])
        past = any(preceding.endswith(p) for p in cal.AGO_BEFORE[lang]) or following in cal.AGO_AFTER[lang]
        sign = -1 if past else 1
        step = {
            "day": relativedelta(days=count),
            "week": relativedelta(weeks=count),
            "fortnight": relativedelta(weeks=2 * count),
            "month": relativedelta(months=count),
            "year": relativedelta(years=count),
        }[unit]
        try:
            value = ctx.today + step * sign
        except (OverflowError, ValueError):
            return _INVALID
        return DateResult(value, "relative", CONFIDENT if unit in ("day", "week", "fortnight") else PROBABLE)
    return None


def _periods(ctx: _Context) -> _Found:
    """Part of a month or week: "fin du mois", "début du mois prochain", "Ende nächster Woche"."""
    words, lang, today = ctx.words.split(), ctx.lang, ctx.today
    for index, word in enumerate(words):
        position: str | None
        if lang == "de" and word in cal.COMPOUND_PERIODS_DE:
            period, position = cal.COMPOUND_PERIODS_DE[word]
        elif word in cal.MONTH_NOUNS[lang] - {"months"}:
            period, position = "month", _position_before(words, index, lang)
        elif word in cal.WEEK_NOUNS[lang]:
            period, position = "week", _position_before(words, index, lang)
        else:
            continue
        nearby = set(words[max(0, index - 3) : index + 2])
        is_next = bool(nearby & cal.NEXT[lang])
        if position is None and not is_next:
            continue
        if period == "month":
            return _in_month_period(today, position, is_next)
        weekday = next((d for w in words if (d := _weekday_of(w, lang)) is not None), None)
        return _in_week_period(today, position, is_next, weekday)
    if any(f" {phrase} " in f" {ctx.words} " for phrase in cal.WEEKEND[lang]):
        is_next = bool(set(words) & cal.NEXT[lang])
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        sunday = today.weekday() == 6
        if sunday and not is_next:
            saturday = today  # the weekend is still on
        elif is_next and not sunday:
            saturday += timedelta(days=7)
        return DateResult(saturday, "relative", VAGUE)
    return None


def _day_only(ctx: _Context) -> _Found:
    span = find_day_of_month(ctx.tokens, ctx.lang)
    if span is None:
        return None
    value = next_day_of_month(span.value, ctx.today)
    return _weekday_checked(DateResult(value, "relative", PROBABLE), ctx)


def _weekday(ctx: _Context) -> _Found:
    """A weekday: "vendredi", "vendredi prochain", "vendredi en huit", "am Freitag", "last monday"."""
    words, lang, today = ctx.words.split(), ctx.lang, ctx.today
    for index, word in enumerate(words):
        weekday = _weekday_of(word, lang)
        if weekday is None:
            continue
        around = set(words[max(0, index - 2) : index]) | set(words[index + 1 : index + 2])
        ahead = (weekday - today.weekday()) % 7
        if around & cal.LAST_WORDS[lang]:
            back = (today.weekday() - weekday) % 7 or 7
            return DateResult(today - timedelta(days=back), "relative", LIKELY)
        confidence = LIKELY
        if not (set(words[max(0, index - 2) : index]) & cal.THIS[lang]):
            ahead = ahead or 7  # a weekday alone is never today
        if around & cal.NEXT[lang]:
            confidence = AMBIGUOUS  # "next Friday" may mean the one after the coming one
        later = words[index + 1 : index + 3]
        week_on = lang == "en" and words[max(0, index - 2) : index] == ["week", "on"]
        if later == ["en", "huit"] or week_on or (lang == "en" and later[:1] == ["week"]):
            ahead += 7
            confidence = PROBABLE
        return DateResult(today + timedelta(days=ahead), "relative", confidence)
    return None


# Helpers


def next_day_of_month(day: int, today: date) -> date:
    """The first date from today on whose day is day (1..31), skipping months too short for it."""
    if not 1 <= day <= 31:
        raise ValueError(f"not a day of the month: {day}")
    year, month = today.year, today.month
    while True:
        if day <= calendar.monthrange(year, month)[1] and date(year, month, day) >= today:
            return date(year, month, day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _dated(day: int, month: int, year: int | None, two_digit: bool, ctx: _Context, source: Source) -> _Found:
    value = _resolve(day, month, year, two_digit, ctx.kind, ctx.today)
    if value is None:
        return _INVALID
    if year is None:
        return DateResult(value, source, PROBABLE)
    return DateResult(value, source, LIKELY if two_digit else CONFIDENT)


def _resolve(day: int, month: int, year: int | None, two_digit: bool, kind: str, today: date) -> date | None:
    if not (1 <= month <= 12 and (1 <= day <= 31 or day == _LAST)):
        return None
    if year is None:
        return _without_year(day, month, kind, today)
    if two_digit:
        year = _century(year, day, month, kind, today)
    elif not 1000 <= year <= 9999:
        return None
    return _make(year, month, day)


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, calendar.monthrange(year, month)[1] if day == _LAST else day)
    except ValueError:
        return None


def _century(year: int, day: int, month: int, kind: str, today: date) -> int:
    candidate = today.year // 100 * 100 + year
    if kind == "birth":
        adult = (today.year - BIRTH_MIN_AGE, today.month, today.day)
        return candidate if (candidate, month, max(day, 1)) <= adult else candidate - 100
    if kind == "payment":
        return candidate
    return candidate - 100 if candidate > today.year + 20 else candidate


def _without_year(day: int, month: int, kind: str, today: date) -> date | None:
    if kind == "birth":
        return None
    if kind == "payment":
        for year in range(today.year, today.year + 9):  # 29 February may be years away
            value = _make(year, month, day)
            if value is not None and value >= today:
                return value
        return None
    candidates = [v for y in (today.year - 1, today.year, today.year + 1) if (v := _make(y, month, day))]
    return min(candidates, key=lambda v: (abs((v - today).days), v < today), default=None)


def _fits(value: date, kind: str, today: date) -> bool:
    if kind == "birth":
        return today.year - BIRTH_MAX_AGE <= value.year and value < today
    if kind == "payment":
        return today <= value and value.year <= today.year + PAYMENT_HORIZON_YEARS
    return True


def _in_month_period(today: date, position: str | None, is_next: bool) -> DateResult:
    first = today.replace(day=1)
    if is_next:
        first += relativedelta(months=1)
    if position is None:
        return DateResult(first, "relative", GUESS)
    if position == "end":
        return DateResult(first + relativedelta(day=31), "relative", PROBABLE)
    day = 1 if position == "start" else 15
    value = first.replace(day=day)
    if value < today:
        value += relativedelta(months=1)
    return DateResult(value, "relative", VAGUE)


def _in_week_period(today: date, position: str | None, is_next: bool, weekday: int | None) -> DateResult:
    """A day of this or next week: its start, middle or end, a weekday named with it, else its Monday."""
    monday = today - timedelta(days=today.weekday())
    if is_next:
        monday += timedelta(days=7)
    if weekday is not None:
        offset, confidence = weekday, LIKELY
    else:
        offset = {None: 0, "start": 0, "mid": 2, "end": 4}[position]
        confidence = VAGUE if position else ROUGH
    value = monday + timedelta(days=offset)
    if value < today:
        value += timedelta(days=7)
    return DateResult(value, "relative", confidence)


def _weekday_checked(found: _Found, ctx: _Context) -> _Found:
    """Lower the confidence when a weekday is said that the date does not fall on."""
    if not isinstance(found, DateResult):
        return found
    said = {w for t in ctx.tokens if (w := _weekday_of(t, ctx.lang)) is not None}
    if said and found.value.weekday() not in said:
        return replace(found, confidence=min(found.confidence, VAGUE))
    return found


def _year_at(tokens: Sequence[str], index: int, lang: str) -> tuple[int | None, bool]:
    """A year starting at tokens[index] and whether it was given with two digits only."""
    if index >= len(tokens):
        return None, False
    span = read_number(tokens, index, lang, years=True)
    if span is None or span.ordinal or (span.end < len(tokens) and tokens[span.end] in cal.CURRENCY_AFTER):
        return None, False
    if span.digits is not None:
        if len(span.digits) == 2:
            return span.value, True
        return (span.value, False) if len(span.digits) == 4 else (None, False)
    if span.value < 100:
        return span.value, True
    return (span.value, False) if 1000 <= span.value <= 2999 else (None, False)


def _is_day(span: Span) -> bool:
    return 1 <= span.value <= 31 and len(span.digits or "0") <= 2


def _skip(tokens: Sequence[str], index: int, skip: frozenset[str] | set[str]) -> int:
    while index < len(tokens) and tokens[index] in skip:
        index += 1
    return index


def _skip_back(tokens: Sequence[str], index: int, lang: str) -> int:
    while index >= 0 and tokens[index] in cal.CONNECTORS[lang]:
        index -= 1
    return index


def _position_before(tokens: Sequence[str], index: int, lang: str) -> str | None:
    """The part of a period said before it: "fin décembre", "à la fin du mois", "the end of next month"."""
    for word in reversed(tokens[max(0, index - 4) : index]):
        if word in cal.POSITIONS[lang]:
            return cal.POSITIONS[lang][word]
    return None


def _month_of(token: str, lang: str) -> int | None:
    if not token[:1].isalpha():
        return None
    if is_number_word(token, lang):
        return cal.MONTHS[lang].get(token)
    return fuzzy_lookup(token, cal.MONTHS[lang])


def _weekday_of(token: str, lang: str) -> int | None:
    if not token[:1].isalpha() or is_number_word(token, lang):
        return None
    return fuzzy_lookup(token, cal.WEEKDAYS[lang])
