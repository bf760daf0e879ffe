"""Numbers said or typed in words: cardinals, ordinals, years and digit-by-digit sequences.

Words are read as atoms (unit, teen, tens, hundred, thousand, million, "and") and a
small grammar per language checks their order, so "vingt trois" is 23 while
"deux trois" is no number at all (it is the digits 2 and 3, see words_to_digits).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from debt.spoken._text import is_word, language_of, readable, tokenize

# Atom kinds: U unit 0-9, T 10-19, D tens, H hundred, K thousand, M million, AND the
# joining word, A English "a" (only before a scale word), OH English "oh" (a zero in
# "nineteen oh five"), N a number written with digits (only on its own).
Atom = tuple[str, int]

_Reader = Callable[[Sequence[Atom], str], int | None]

_AND: Atom = ("AND", 0)
_H: Atom = ("H", 100)
_K: Atom = ("K", 1000)
_M: Atom = ("M", 1_000_000)
_SCALES = {"H": 100, "K": 1000, "M": 1_000_000}

# fmt: off
_UNITS_EN = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEENS_EN = ("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
             "eighteen", "nineteen")
_TENS_EN = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")

WORDS_EN: dict[str, Atom] = {
    **{w: ("U", n) for n, w in enumerate(_UNITS_EN)},
    **{w: ("T", 10 + n) for n, w in enumerate(_TEENS_EN)},
    **{w: ("D", 20 + 10 * n) for n, w in enumerate(_TENS_EN)},
    "nought": ("U", 0), "nil": ("U", 0), "fourty": ("D", 40), "ninty": ("D", 90),
    "oh": ("OH", 0), "o": ("OH", 0), "a": ("A", 1),
    "hundred": _H, "thousand": _K, "million": _M, "millions": _M, "and": _AND,
}
ORDINALS_EN = {"first": 1, "second": 2, "third": 3, "fifth": 5, "eighth": 8, "ninth": 9, "twelfth": 12}

WORDS_FR: dict[str, Atom] = {
    "zero": ("U", 0), "un": ("U", 1), "une": ("U", 1), "deux": ("U", 2), "trois": ("U", 3),
    "quatre": ("U", 4), "cinq": ("U", 5), "six": ("U", 6), "sept": ("U", 7), "huit": ("U", 8),
    "neuf": ("U", 9), "dix": ("T", 10), "onze": ("T", 11), "douze": ("T", 12), "treize": ("T", 13),
    "quatorze": ("T", 14), "quinze": ("T", 15), "seize": ("T", 16),
    "vingt": ("D", 20), "vingts": ("D", 20), "trente": ("D", 30), "quarante": ("D", 40),
    "cinquante": ("D", 50), "soixante": ("D", 60),
    # Belgian and Swiss French.
    "septante": ("D", 70), "huitante": ("D", 80), "octante": ("D", 80), "nonante": ("D", 90),
    "cent": _H, "cents": _H, "mille": _K, "mil": _K, "million": _M, "millions": _M, "et": _AND,
}
ORDINALS_FR = {"premier": 1, "premiere": 1, "premiers": 1, "premieres": 1, "second": 2, "seconde": 2,
               "unieme": 1}

# Whole German words first; anything else is split into these morphemes.
WORDS_DE: dict[str, Atom] = {
    "null": ("U", 0), "ein": ("U", 1), "eins": ("U", 1), "eine": ("U", 1), "einen": ("U", 1),
    "einem": ("U", 1), "einer": ("U", 1), "eines": ("U", 1), "zwei": ("U", 2), "zwo": ("U", 2),
    "drei": ("U", 3), "vier": ("U", 4), "fuenf": ("U", 5), "funf": ("U", 5), "sechs": ("U", 6),
    "sieben": ("U", 7), "acht": ("U", 8), "neun": ("U", 9),
    "zehn": ("T", 10), "elf": ("T", 11), "zwoelf": ("T", 12), "zwolf": ("T", 12), "dreizehn": ("T", 13),
    "vierzehn": ("T", 14), "fuenfzehn": ("T", 15), "funfzehn": ("T", 15), "sechzehn": ("T", 16),
    "sechszehn": ("T", 16), "siebzehn": ("T", 17), "siebenzehn": ("T", 17), "achtzehn": ("T", 18),
    "neunzehn": ("T", 19),
    "zwanzig": ("D", 20), "dreissig": ("D", 30), "dreisig": ("D", 30), "vierzig": ("D", 40),
    "fuenfzig": ("D", 50), "funfzig": ("D", 50), "sechzig": ("D", 60), "sechszig": ("D", 60),
    "siebzig": ("D", 70), "siebenzig": ("D", 70), "achtzig": ("D", 80), "neunzig": ("D", 90),
    "hundert": _H, "tausend": _K, "million": _M, "millionen": _M, "und": _AND,
}
_MORPHEMES_DE = sorted(
    (w for w in WORDS_DE if w not in {"eine", "einen", "einem", "einer", "eines"}), key=len, reverse=True
)
_ORDINAL_ENDINGS_DE = ("en", "er", "es", "em", "e")

_WORDS = {"fr": WORDS_FR, "de": WORDS_DE, "en": WORDS_EN}
_ORDINAL_DIGIT_ENDINGS = ("st", "nd", "rd", "th", "ere", "er", "re", "ieme", "eme", "e", "te", "ter", "ten",
                          "tes", "tem", ".")
_MAX_DIGITS = 15
_MAX_SPAN = 12
_MAX_WORD_DE = 80
_FILLERS = frozenset({"euh", "heu", "hum", "bah", "ben", "uh", "um", "umm", "er", "erm", "hm", "hmm",
                      "aeh", "aehm", "oehm", "ehm", "and", "et", "und"})
_REPEAT_EN = {"double": 2, "triple": 3}
# fmt: on


@dataclass(frozen=True, slots=True)
class Span:
    """A number found in a token list: tokens[start:end] read as value."""

    value: int
    start: int
    end: int
    ordinal: bool = False
    digits: str | None = None  # the digits as typed, when written with digits ("05")


def words_to_number(text: str, language: str) -> int | None:
    """The number the whole text says: "quatre-vingt-dix-neuf", "zwölften", "nineteen eighty five", "21st".

    Cardinals and ordinals up to 999 999 999; a year may be said in two halves. None when the
    text is not exactly one number ("deux trois" is two numbers: see words_to_digits).
    """
    lang = language_of(language)
    if not readable(text):
        return None
    tokens = [t for t in tokenize(text) if is_word(t)]
    if not tokens:
        return None
    span = read_number(tokens, 0, lang, years=True)
    return span.value if span is not None and span.end == len(tokens) else None


def words_to_digits(text: str, language: str) -> str | None:
    """Digits said one by one or in groups, as for a reference or a postcode: "un deux trois" -> "123".

    Each group is read as a number ("soixante-quinze zéro zéro un" -> "75001"); digits typed
    keep their leading zeros; English "double"/"triple" repeat the next digit. Any other word
    than a hesitation ("euh", "ähm", "um") makes the whole text no digit string.
    """
    lang = language_of(language)
    if not readable(text):
        return None
    tokens = [t for t in tokenize(text) if is_word(t)]
    out: list[str] = []
    repeat = 1
    i = 0
    while i < len(tokens):
        if lang == "en" and tokens[i] in _REPEAT_EN:
            repeat = _REPEAT_EN[tokens[i]]
            i += 1
            continue
        if lang == "en" and tokens[i] in ("oh", "o"):
            out.append("0" * repeat)
            repeat = 1
            i += 1
            continue
        span = read_number(tokens, i, lang)
        if span is None or span.ordinal:
            if tokens[i] not in _FILLERS:
                return None
            repeat = 1
            i += 1
            continue
        group = span.digits if span.digits is not None else str(span.value)
        if repeat > 1 and len(group) == 1:
            group *= repeat
        out.append(group)
        repeat = 1
        i = span.end
    return "".join(out) or None


def read_number(
    tokens: Sequence[str], start: int, language: str, *, years: bool = False, at_most: int | None = None
) -> Span | None:
    """The longest number starting at tokens[start] (no larger than at_most).

    With years, a year said in two halves ("nineteen eighty five") reads as one number.
    """
    lang = language_of(language)
    end = start
    while end < len(tokens) and end - start < _MAX_SPAN:
        read = _token_atoms(tokens[end], lang)
        if read is None:
            break
        end += 1
        if read[1]:
            break  # an ordinal closes the number
    for stop in range(end, start, -1):
        span = _span(tokens, start, stop, lang, years)
        if span is not None and (at_most is None or span.value <= at_most):
            return span
    return None


def read_number_before(
    tokens: Sequence[str], stop: int, language: str, *, at_most: int | None = None
) -> Span | None:
    """The longest number that ends just before tokens[stop]."""
    lang = language_of(language)
    for start in range(max(0, stop - _MAX_SPAN), stop):
        span = _span(tokens, start, stop, lang, False)
        if span is not None and (at_most is None or span.value <= at_most):
            return span
    return None


def is_number_word(token: str, language: str) -> bool:
    return _token_atoms(token, language_of(language)) is not None


def find_numbers(tokens: Sequence[str], language: str, *, years: bool = False) -> list[Span]:
    """Every number in the tokens, left to right, longest first, none overlapping."""
    lang = language_of(language)
    spans: list[Span] = []
    i = 0
    while i < len(tokens):
        span = read_number(tokens, i, lang, years=years)
        if span is None:
            i += 1
        else:
            spans.append(span)
            i = span.end
    return spans


def _span(tokens: Sequence[str], start: int, stop: int, lang: str, years: bool) -> Span | None:
    atoms: list[Atom] = []
    ordinal = False
    for token in tokens[start:stop]:
        read = _token_atoms(token, lang)
        if read is None or ordinal:
            return None  # not a number word, or a word after an ordinal
        atoms.extend(read[0])
        ordinal = read[1]
    if len(atoms) == 1 and atoms[0][0] == "N":
        digits = tokens[start].rstrip(".").rstrip("abcdefghijklmnopqrstuvwxyz")
        return Span(atoms[0][1], start, stop, ordinal, digits)
    value = _evaluate(atoms, lang)
    if value is None and years and not ordinal:
        value = _year_pair(atoms, lang)
    return None if value is None else Span(value, start, stop, ordinal)


@lru_cache(maxsize=4096)
def _token_atoms(token: str, lang: str) -> tuple[tuple[Atom, ...], bool] | None:
    """A token's atoms and whether it is an ordinal, or None when it is not a number word."""
    if token[:1].isdecimal():
        digits = token.rstrip(".")
        ending = ""
        while digits and not digits[-1].isdecimal():
            ending = digits[-1] + ending
            digits = digits[:-1]
        if len(digits) > _MAX_DIGITS:
            return None
        ordinal = token.endswith(".") or ending in _ORDINAL_DIGIT_ENDINGS
        return (("N", int(digits)),), ordinal
    cardinal = _cardinal_atoms(token, lang)
    if cardinal is not None:
        return cardinal, False
    ordinal_atoms = _ordinal_atoms(token, lang)
    return None if ordinal_atoms is None else (ordinal_atoms, True)


def _cardinal_atoms(word: str, lang: str) -> tuple[Atom, ...] | None:
    table = _WORDS[lang]
    if word in table:
        return (table[word],)
    if lang == "de":
        return _split_de(word)
    return None


@lru_cache(maxsize=4096)
def _split_de(word: str) -> tuple[Atom, ...] | None:
    """neunzehnhundertfuenfundachtzig -> neunzehn, hundert, fuenf, und, achtzig."""
    if not word:
        return ()
    if len(word) > _MAX_WORD_DE:
        return None
    for morpheme in _MORPHEMES_DE:
        if word.startswith(morpheme):
            rest = _split_de(word[len(morpheme) :])
            if rest is not None:
                return (WORDS_DE[morpheme], *rest)
    return None


def _ordinal_atoms(word: str, lang: str) -> tuple[Atom, ...] | None:
    if lang == "en":
        if word in ORDINALS_EN:
            return (("U" if ORDINALS_EN[word] < 10 else "T", ORDINALS_EN[word]),)
        if word.endswith("ieth"):
            return _cardinal_atoms(word[:-4] + "y", lang)
        if word.endswith("th"):
            return _cardinal_atoms(word[:-2], lang)
        return None
    if lang == "fr":
        if word in ORDINALS_FR:
            return (("U", ORDINALS_FR[word]),)
        stem = word.removesuffix("s")
        if not stem.endswith("ieme"):
            return None
        stem = stem[:-4]
        for candidate in ({"cinqu": "cinq", "neuv": "neuf"}.get(stem, stem), stem + "e"):
            atoms = _cardinal_atoms(candidate, lang)
            if atoms is not None:
                return atoms
        return None
    for ending in _ORDINAL_ENDINGS_DE:
        if not word.endswith(ending):
            continue
        stem = word[: -len(ending)]
        for candidate in _ordinal_stems_de(stem):
            atoms = _split_de(candidate)
            if atoms:
                return atoms
    return None


def _ordinal_stems_de(stem: str) -> list[str]:
    """zwanzigst -> zwanzig, zwoelft -> zwoelf, erst -> eins, dritt -> drei, siebt -> sieben."""
    candidates = []
    for irregular, regular in (("erst", "eins"), ("dritt", "drei"), ("siebt", "sieben"), ("acht", "acht")):
        if stem.endswith(irregular):
            candidates.append(stem[: -len(irregular)] + regular)
    if stem.endswith("st"):
        candidates.append(stem[:-2])
    if stem.endswith("t"):
        candidates.append(stem[:-1])
    return candidates


def _evaluate(atoms: Sequence[Atom], lang: str) -> int | None:
    if not atoms or any(kind == "N" for kind, _ in atoms):
        return None
    if len(atoms) == 1 and atoms[0] == ("U", 0):
        return 0
    if lang == "en" and len(atoms) == 2 and atoms[0][0] == "OH" and atoms[1][0] == "U" and atoms[1][1]:
        return atoms[1][1]  # "oh five", the end of a year said in two halves
    return _scaled(atoms, lang, "M", _below_million, _below_thousand)


def _below_million(atoms: Sequence[Atom], lang: str) -> int | None:
    return _scaled(atoms, lang, "K", _below_thousand, _below_thousand)


def _below_thousand(atoms: Sequence[Atom], lang: str) -> int | None:
    return _scaled(atoms, lang, "H", _below_hundred, _below_hundred)


def _scaled(atoms: Sequence[Atom], lang: str, scale: str, rest_fn: _Reader, head_fn: _Reader) -> int | None:
    """[head] SCALE [and] [rest]: head defaults to one, rest to zero."""
    index = next((i for i, (kind, _) in enumerate(atoms) if kind == scale), None)
    if index is None:
        return rest_fn(atoms, lang)
    head, tail = list(atoms[:index]), list(atoms[index + 1 :])
    if not head or head == [("A", 1)]:
        multiplier: int | None = 1
    else:
        multiplier = head_fn(head, lang)
    if not multiplier:
        return None
    if tail and tail[0] == _AND:
        tail = tail[1:]
        if not tail:
            return None
    rest = rest_fn(tail, lang) if tail else 0
    if rest is None:
        return None
    return multiplier * _SCALES[scale] + rest


def _below_hundred(atoms: Sequence[Atom], lang: str) -> int | None:
    kinds = [kind for kind, _ in atoms]
    values = [value for _, value in atoms]
    if len(atoms) == 1:
        return values[0] if kinds[0] in ("T", "D") or (kinds[0] == "U" and values[0] > 0) else None
    if lang == "en":
        return sum(values) if kinds == ["D", "U"] and values[1] > 0 else None
    if lang == "de":
        return sum(values) if kinds == ["U", "AND", "D"] and values[0] > 0 else None
    return _below_hundred_fr(list(atoms))


def _below_hundred_fr(atoms: list[Atom]) -> int | None:
    """vingt et un, soixante-douze, soixante et onze, quatre-vingts, quatre-vingt-dix-neuf, dix-sept."""
    if atoms[:2] == [("U", 4), ("D", 20)]:
        base, rest, teens = 80, atoms[2:], True
    elif atoms[0] == ("D", 60):
        base, rest, teens = 60, atoms[1:], True
    elif atoms[0][0] == "D":
        base, rest, teens = atoms[0][1], atoms[1:], False
    elif atoms[0] == ("T", 10) and len(atoms) == 2 and atoms[1][0] == "U" and atoms[1][1] >= 7:
        return 10 + atoms[1][1]
    else:
        return None
    if not rest:
        return base
    if rest[0] == _AND:
        rest = rest[1:]
        if rest not in ([("U", 1)], [("T", 11)]):
            return None
    if len(rest) == 1 and rest[0][0] == "U" and rest[0][1] > 0:
        return base + rest[0][1]
    if teens and len(rest) == 1 and rest[0][0] == "T":
        return base + rest[0][1]
    if teens and len(rest) == 2 and rest[0] == ("T", 10) and rest[1][0] == "U" and rest[1][1] >= 7:
        return base + 10 + rest[1][1]
    return None


def _year_pair(atoms: Sequence[Atom], lang: str) -> int | None:
    """A year said in two halves: "nineteen eighty five", "twenty oh three", "vingt vingt-six"."""
    for split in range(1, len(atoms)):
        century = _below_hundred(atoms[:split], lang)
        if century is None or not 10 <= century <= 29:
            continue
        second = list(atoms[split:])
        if len(second) == 2 and second[0] in (("OH", 0), ("U", 0)) and second[1][0] == "U" and second[1][1]:
            return century * 100 + second[1][1]
        rest = _below_hundred(second, lang)
        if rest is not None and rest >= 10:
            return century * 100 + rest
    return None
