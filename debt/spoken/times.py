"""Times of day as people say or type them, and the moment they want to be called back (fr, de, en).

A time needs a sign that it is one: an hour word ("18h", "18 Uhr", "six o'clock"), a colon
("18:30"), am/pm, a part of the day ("neuf heures du soir"), a preposition ("um 9", "at 6")
or a clock phrase ("halb sieben", "quarter to seven", "midi"). A bare "9" is no time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from debt.spoken._text import fold, fuzzy_lookup, language_of, readable, tokenize
from debt.spoken.dates import parse_date
from debt.spoken.numbers import find_numbers

MORNING, NOON, AFTERNOON, EVENING, NIGHT = range(1, 6)
# A callback asked for with a part of the day only is placed at these times.
PART_DEFAULTS = {MORNING: time(10), NOON: time(12), AFTERNOON: time(15), EVENING: time(18, 30)}
MAX_RELATIVE = timedelta(hours=12)

# fmt: off
HOUR_WORDS = {
    "fr": {"h": 0, "heure": 0, "heures": 0, "hr": 0, "hrs": 0, "hres": 0},
    "de": {"h": 0, "uhr": 0},
    "en": {"h": 0, "oclock": 0, "hrs": 0},
}
PARTS = {
    "fr": {"matin": MORNING, "matinee": MORNING, "mat": MORNING, "apresmidi": AFTERNOON, "aprem": AFTERNOON,
           "apm": AFTERNOON, "soir": EVENING, "soiree": EVENING, "nuit": NIGHT},
    "de": {"morgens": MORNING, "frueh": MORNING, "vormittag": MORNING, "vormittags": MORNING, "mittag": NOON,
           "mittags": NOON, "nachmittag": AFTERNOON, "nachmittags": AFTERNOON, "abend": EVENING,
           "abends": EVENING, "nacht": NIGHT, "nachts": NIGHT},
    "en": {"morning": MORNING, "mornings": MORNING, "lunchtime": NOON, "lunch": NOON, "afternoon": AFTERNOON,
           "arvo": AFTERNOON, "evening": EVENING, "tonight": EVENING, "tonite": EVENING, "night": NIGHT},
}
NOON_WORDS = {
    "fr": {"midi": 12, "minuit": 0},
    "de": {"mittag": 12, "mittags": 12, "mitternacht": 0},
    "en": {"noon": 12, "midday": 12, "midnight": 0},
}
PREPOSITIONS = {
    "fr": frozenset({"a", "vers"}),
    "de": frozenset({"um", "gegen", "ab", "nach", "vor"}),
    "en": frozenset({"at", "around", "about", "after", "from", "by", "before", "until", "till"}),
}
# "dans 2 heures" is a delay, "sous 24h" a deadline: neither is a time of day.
DURATION_BEFORE = frozenset({"dans", "ici", "sous", "pendant", "durant", "depuis", "en", "in", "within",
                             "for", "binnen", "innerhalb", "seit", "fuer", "y"})
# A number before these counts something else than hours.
NOT_AFTER = frozenset({
    "jour", "jours", "semaine", "semaines", "mois", "an", "ans", "annee", "annees", "fois", "minute",
    "minutes", "euro", "euros", "eur", "tag", "tage", "tagen", "woche", "wochen", "monat", "monate",
    "monaten", "jahr", "jahre", "jahren", "mal", "minuten", "stunde", "stunden", "day", "days", "week",
    "weeks", "month", "months", "year", "years", "times", "hour", "hours", "pounds", "quid", "percent", "%",
    "€", "£", "$",
})
PART_FILLERS = frozenset({"in", "the", "du", "de", "la", "l", "'", "le", "des", "am", "at", "dans", "this",
                          "ce", "cet", "cette", "heute", ","})
DAY_MARKERS = frozenset({"le", "the", "am", "den", "du", "au", "on", "ce"})
MINUTE_WORDS = frozenset({"min", "mins", "mn", "minute", "minutes", "minuten"})
RELATIVE_PREPOSITIONS = {"fr": frozenset({"dans", "ici"}), "de": frozenset({"in"}), "en": frozenset({"in"})}
RELATIVE_UNITS = {
    "fr": {"heure": 60, "heures": 60, "h": 60, "minute": 1, "minutes": 1, "min": 1, "mn": 1, "mins": 1},
    "de": {"stunde": 60, "stunden": 60, "std": 60, "h": 60, "minute": 1, "minuten": 1, "min": 1},
    "en": {"hour": 60, "hours": 60, "hr": 60, "hrs": 60, "h": 60, "minute": 1, "minutes": 1, "min": 1,
           "mins": 1},
}
HALF_WORDS = frozenset({"demi", "demie", "halben", "halbe", "half"})
# fmt: on
_PHRASES = {
    "fr": ((re.compile(r"\bapres ?midi\b"), "apresmidi"), (re.compile(r"\baprem\b"), "aprem")),
    "de": ((re.compile(r"\b(am|heute|jeden) morgen\b"), r"\1 morgens"),),
    "en": (
        (re.compile(r"\bo ?' ?clock\b|\bo clock\b"), "oclock"),
        (re.compile(r"\b([ap])\. ?m\b\.?"), r"\1m"),
        (re.compile(r"\bmid day\b"), "midday"),
    ),
}


@dataclass(frozen=True, slots=True)
class _Entry:
    word: str
    value: int | None
    start: int  # characters in the prepared text
    end: int
    digits: str | None = None


@dataclass(frozen=True, slots=True)
class _Clock:
    hour: int
    minute: int
    first: int  # entries
    stop: int
    word_form: bool = False  # "halb sieben", "quarter to seven": a twelve-hour clock


@dataclass(frozen=True, slots=True)
class _Reading:
    text: str
    time: time | None
    clock: _Clock | None
    part: int | None
    explicit: bool  # am/pm, a part of the day or a 24-hour reading decided the hour
    entries: list[_Entry]


def parse_time(text: str, language: str) -> time | None:
    """The time of day in the text: "18h30", "à 14 heures", "6:30 pm", "um halb sieben abends", "midi".

    Without am/pm or a part of the day the hour is read on a 24-hour clock ("à 6h" is 06:00).
    """
    lang = language_of(language)
    if not readable(text):
        return None
    return _read(text, lang).time


def parse_callback_time(text: str, language: str, now: datetime) -> datetime | None:
    """When the person wants a call: "demain à 14h", "morgen abend", "Friday at 6pm", "dans une heure".

    now is aware, in the person's time zone; so is the answer. A time alone is today when
    still ahead, else tomorrow; a part of the day alone is 10:00, 12:00, 15:00 or 18:30; a day
    without a time is None. An hour from 1 to 7 said without am/pm or a part of the day is
    taken in the afternoon or evening: nobody asks for a call at three in the night.
    """
    lang = language_of(language)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("naive datetime: pass an aware datetime")
    if not readable(text):
        return None
    reading = _read(text, lang)
    delay = _relative(reading.entries, lang)
    if delay is not None:
        return (now.astimezone(UTC) + delay).astimezone(now.tzinfo).replace(second=0, microsecond=0)
    at = reading.time
    if at is not None and not reading.explicit and 1 <= at.hour <= 7:
        at = at.replace(hour=at.hour + 12)
    if at is None and reading.part is not None:
        at = PART_DEFAULTS.get(reading.part)
    if at is None:
        return None
    date_text = reading.text
    if reading.clock is not None:
        first, last = reading.entries[reading.clock.first], reading.entries[reading.clock.stop - 1]
        date_text = date_text[: first.start] + " " + date_text[last.end :]
    today = now.date()
    said = parse_date(date_text, lang, today, kind="payment")
    if said is None:
        if parse_date(date_text, lang, today, kind="any") is not None:
            return None  # a day that has passed
        candidate = datetime.combine(today, at, tzinfo=now.tzinfo)
        return candidate if candidate > now else datetime.combine(today + timedelta(days=1), at, now.tzinfo)
    candidate = datetime.combine(said.value, at, tzinfo=now.tzinfo)
    return candidate if candidate > now else None


def _read(text: str, lang: str) -> _Reading:
    prepared = fold(text)
    for pattern, replacement in _PHRASES[lang]:
        prepared = pattern.sub(replacement, prepared)
    entries = _entries(prepared, lang)
    clock = _find_clock(entries, lang)
    part = _part_near(entries, lang, clock)
    if clock is None:
        return _Reading(prepared, None, None, part, False, entries)
    meridiem = _meridiem(entries, clock.stop, lang)
    period = meridiem or part
    hour = clock.hour
    if clock.word_form and hour == 0:
        hour = 12
    digits = entries[clock.first].digits or ""
    explicit = period is not None or not 1 <= hour <= 12 or digits.startswith("0") or hour == 12
    return _Reading(prepared, _resolve(hour, clock.minute, period), clock, part, explicit, entries)


def _entries(prepared: str, lang: str) -> list[_Entry]:
    tokens = tokenize(prepared)
    offsets: list[tuple[int, int]] = []
    position = 0
    for token in tokens:
        start = max(prepared.find(token, position), position)
        position = start + len(token)
        offsets.append((start, position))
    spans = {s.start: s for s in find_numbers(tokens, lang) if not s.ordinal or tokens[s.start][-1:] == "."}
    entries: list[_Entry] = []
    i = 0
    while i < len(tokens):
        span = spans.get(i)
        if span is None:
            entries.append(_Entry(tokens[i], None, *offsets[i]))
            i += 1
            continue
        words = " ".join(tokens[span.start : span.end])
        entries.append(_Entry(words, span.value, offsets[i][0], offsets[span.end - 1][1], span.digits))
        i = span.end
    return entries


def _find_clock(entries: list[_Entry], lang: str) -> _Clock | None:
    for i in range(len(entries)):
        found = _word_clock(entries, i, lang) or _numeric_clock(entries, i, lang)
        if found is not None:
            return found
    for i, entry in enumerate(entries):
        if entry.word in NOON_WORDS[lang]:
            minutes, stop = _minutes_after_hour(entries, i + 1, lang)
            return _shifted(NOON_WORDS[lang][entry.word], minutes, i, stop, word_form=False)
    return None


def _numeric_clock(entries: list[_Entry], i: int, lang: str) -> _Clock | None:
    hour = entries[i].value
    if hour is None:
        return None
    before = _word(entries, i - 1)
    after = _word(entries, i + 1)
    if after == ":" and _minute(entries, i + 2, strict=False) is not None:
        return _Clock(hour, _minute(entries, i + 2, strict=False) or 0, i, i + 3)
    hour_word = _is_hour_word(after, lang)
    if after == "." and (before in PREPOSITIONS[lang] or _is_hour_word(_word(entries, i + 3), lang)):
        minute = _minute(entries, i + 2, strict=True)
        if minute is not None and len(entries[i + 2].digits or "") == 2:
            stop = i + 4 if _is_hour_word(_word(entries, i + 3), lang) else i + 3
            return _Clock(hour, minute, i, stop)
    if hour_word:
        if before in DURATION_BEFORE:
            return None
        if hour >= 100 and len(entries[i].digits or "") in (3, 4):
            return _Clock(hour // 100, hour % 100, i, i + 2)
        minutes, stop = _minutes_after_hour(entries, i + 2, lang)
        return _shifted(hour, minutes, i, stop, word_form=False)
    if after in ("am", "pm") and (lang == "en" or after == "pm"):
        return _Clock(hour, 0, i, i + 1)
    minute = _minute(entries, i + 1, strict=True)
    stop = i + 1 if minute is None else i + 2
    following = _word(entries, stop)
    if following in ("am", "pm") and (lang == "en" or following == "pm"):
        return _Clock(hour, minute or 0, i, stop)
    if hour <= 12 and before not in DAY_MARKERS and _part_after(entries, stop, lang) is not None:
        return _Clock(hour, minute or 0, i, stop)
    if before in PREPOSITIONS[lang] and _word(entries, i + 1) not in NOT_AFTER and hour <= 24:
        if _word(entries, stop) in NOT_AFTER:
            stop = i + 1
            minute = None
        return _Clock(hour, minute or 0, i, stop)
    return None


def _word_clock(entries: list[_Entry], i: int, lang: str) -> _Clock | None:
    """Minutes said before the hour: "halb sieben", "viertel nach sechs", "quarter to seven", "half six"."""
    word = _word(entries, i)
    if lang == "de":
        if word in ("halb", "dreiviertel", "viertel") and _hour12(entries, i + 1) is not None:
            minutes = {"halb": -30, "dreiviertel": -15, "viertel": -45}[word]
            return _shifted(_hour12(entries, i + 1) or 0, minutes, i, i + 2, word_form=True)
        amount, j = _minute_amount(entries, i, lang)
        if amount is None or _word(entries, j) not in ("nach", "vor"):
            return None
        sign = 1 if _word(entries, j) == "nach" else -1
        half = _word(entries, j + 1) == "halb"
        hour = _hour12(entries, j + 2 if half else j + 1)
        if hour is None:
            return None
        base = -30 if half else 0
        return _shifted(hour, base + sign * amount, i, j + (3 if half else 2), word_form=True)
    if lang == "en":
        if word == "half" and _hour12(entries, i + 1) is not None:  # British "half six"
            return _shifted(_hour12(entries, i + 1) or 0, 30, i, i + 2, word_form=True)
        amount, j = _minute_amount(entries, i, lang)
        relation = _word(entries, j)
        if amount is None or relation not in ("past", "after", "to", "till", "til", "of", "before"):
            return None
        if _word(entries, i - 1) in ("from", "between") or (entries[i].digits and relation != "past"):
            return None
        hour = _hour12(entries, j + 1)
        if hour is None:
            return None
        sign = 1 if relation in ("past", "after") else -1
        return _shifted(hour, sign * amount, i, j + 2, word_form=True)
    return None


def _minute_amount(entries: list[_Entry], i: int, lang: str) -> tuple[int | None, int]:
    """Minutes before "past"/"nach": "quarter", "a quarter", "half", "viertel", "ten", "zehn Minuten"."""
    word = _word(entries, i)
    if lang == "en" and word == "a" and _word(entries, i + 1) == "quarter":
        return 15, i + 2
    named = {"quarter": 15, "half": 30, "viertel": 15}.get(word)
    if named is not None:
        return named, i + 1
    value = entries[i].value if i < len(entries) else None
    if value is None or not 1 <= value <= 29:
        return None, i
    j = i + 1
    if _word(entries, j) in MINUTE_WORDS:
        j += 1
    return value, j


def _minutes_after_hour(entries: list[_Entry], j: int, lang: str) -> tuple[int, int]:
    """Minutes said after an hour word: "18h30", "18 Uhr 30", "six heures et quart", "midi moins le quart"."""
    word = _word(entries, j)
    if lang == "fr" and word == "et" and _word(entries, j + 1) in ("quart", "demi", "demie"):
        return (15 if _word(entries, j + 1) == "quart" else 30), j + 2
    if lang == "fr" and word == "moins":
        k = j + 2 if _word(entries, j + 1) == "le" else j + 1
        if _word(entries, k) == "quart":
            return -15, k + 1
        value = entries[k].value if k < len(entries) else None
        if value is not None and 1 <= value <= 30:
            return -value, k + 1
        return 0, j
    minute = _minute(entries, j, strict=False)
    if minute is not None and _word(entries, j + 1) in MINUTE_WORDS:
        return minute, j + 2
    if minute is not None and _word(entries, j + 1) not in NOT_AFTER:
        return minute, j + 1
    return 0, j


def _shifted(hour: int, minutes: int, first: int, stop: int, *, word_form: bool) -> _Clock:
    if minutes < 0:
        hour, minutes = (hour - 1) % 24, 60 + minutes
    return _Clock(hour, minutes, first, stop, word_form)


def _resolve(hour: int, minute: int, period: int | None) -> time | None:
    if hour == 24 and minute == 0:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    if period is None or hour == 0 or hour > 12:
        return None if period == MORNING and hour > 12 else time(hour, minute)
    if period == MORNING:
        hour %= 12
    elif period == NIGHT:
        hour = 0 if hour == 12 else hour if hour < 6 else hour + 12
    elif period == NOON:
        hour = hour + 12 if hour < 6 else hour
    else:
        hour = hour % 12 + 12
    return time(hour, minute)


def _meridiem(entries: list[_Entry], stop: int, lang: str) -> int | None:
    word = _word(entries, stop)
    if word == "pm":
        return AFTERNOON
    return MORNING if word == "am" and lang == "en" else None


def _part_of(word: str, lang: str) -> int | None:
    if not word[:1].isalpha():
        return None
    return fuzzy_lookup(word, PARTS[lang], min_length=7)


def _part_after(entries: list[_Entry], j: int, lang: str) -> int | None:
    while _word(entries, j) in PART_FILLERS:
        j += 1
    return _part_of(_word(entries, j), lang)


def _part_near(entries: list[_Entry], lang: str, clock: _Clock | None) -> int | None:
    """The part of the day said closest to the time, or the first one when there is no time."""
    found = [(i, part) for i, e in enumerate(entries) if (part := _part_of(e.word, lang)) is not None]
    if clock is not None:
        found = [(i, p) for i, p in found if i < clock.first or i >= clock.stop]
        found.sort(key=lambda item: min(abs(item[0] - clock.first), abs(item[0] - (clock.stop - 1))))
    return found[0][1] if found else None


def _relative(entries: list[_Entry], lang: str) -> timedelta | None:
    """A delay: "dans une heure", "in einer halben Stunde", "in 20 minutes", "in half an hour"."""
    for i, entry in enumerate(entries):
        if entry.word not in RELATIVE_PREPOSITIONS[lang]:
            continue
        j = i + 1
        half = False
        if lang == "en" and _word(entries, j) == "half":
            half, j = True, j + 1
        count = entries[j].value if j < len(entries) else None
        if count is None and lang == "en" and _word(entries, j) in ("a", "an"):
            count = 1
        if count is None:
            continue
        j += 1
        if _word(entries, j) in HALF_WORDS:
            half, j = True, j + 1
        unit = RELATIVE_UNITS[lang].get(_word(entries, j))
        if unit is None:
            continue
        minutes = count * unit // (2 if half else 1)
        if _word(entries, j + 1) in ("et", "and") and _word(entries, j + 2) in ("demie", "demi", "a"):
            minutes += unit // 2
        elif unit == 60 and _minute(entries, j + 1, strict=True) is not None:
            minutes += _minute(entries, j + 1, strict=True) or 0
        delay = timedelta(minutes=minutes)
        return delay if timedelta(0) < delay <= MAX_RELATIVE else None
    return None


def _minute(entries: list[_Entry], j: int, *, strict: bool) -> int | None:
    """Minutes 0..59 at entries[j]; strict asks for a look of minutes ("30", "05", "thirty", "oh five")."""
    if j >= len(entries) or entries[j].value is None:
        return None
    value = entries[j].value
    if value is None or not 0 <= value <= 59:
        return None
    digits = entries[j].digits
    if strict and not ((digits is not None and len(digits) == 2) or (digits is None and value >= 10)):
        return value if entries[j].word.startswith("oh ") else None
    return value


def _hour12(entries: list[_Entry], j: int) -> int | None:
    value = entries[j].value if j < len(entries) else None
    return value if value is not None and 1 <= value <= 12 else None


def _is_hour_word(word: str, lang: str) -> bool:
    return word[:1].isalpha() and fuzzy_lookup(word, HOUR_WORDS[lang], min_length=5) is not None


def _word(entries: list[_Entry], j: int) -> str:
    return entries[j].word if 0 <= j < len(entries) else ""
