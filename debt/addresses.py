"""Postal addresses: tidy spacing and case, and write each country's postcode its own way."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache


class AddressError(ValueError):
    """An address part we cannot use; `field` names it (address_line, postcode, city)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class Address:
    line: str
    postcode: str
    city: str
    country: str

    @property
    def one_line(self) -> str:
        """The address on one line, in the country's order (GB and US put the city first)."""
        place = (
            f"{self.city} {self.postcode}" if self.country in CITY_FIRST else f"{self.postcode} {self.city}"
        )
        return f"{self.line}, {place.strip()}, {self.country}"


CITY_FIRST = frozenset({"GB", "US", "IE", "CA", "AU"})

# Words kept in lower case inside a name ("Rue de la Paix", "Frankfurt am Main", "Isle of Wight").
_PARTICLES = frozenset(
    {
        # fr
        *("à", "au", "aux", "de", "du", "des", "la", "le", "les", "lès", "sur", "sous", "en", "et", "d", "l"),
        # de
        *("am", "an", "auf", "bei", "der", "den", "im", "in", "vom", "von", "zu", "zum", "zur"),
        # en, nl, it, es
        *("and", "of", "on", "the", "upon", "aan", "bij", "het", "op", "van", "da", "dal", "del", "di", "y"),
    }
)
_ORDINAL = re.compile(r"^\d+(st|nd|rd|th|er|re|e|ème|eme|bis|ter|quater)$", re.IGNORECASE)
_KEEP_UPPER = frozenset({"CEDEX", "BP", "CS", "TSA", "PO", "II", "III", "IV"})
_SPACES = re.compile(r"\s+")
_COMMAS = re.compile(r"\s*,[\s,]*")


def tidy_spacing(text: str) -> str:
    """One space between words, "a , b" -> "a, b", no stray commas at the ends."""
    if "  " not in text and "," not in text and text.isprintable() and text == text.strip():
        return text  # already tidy: most values are
    text = _SPACES.sub(" ", text.replace("\u00a0", " ")).strip()
    return _COMMAS.sub(", ", text).strip(" ,")


def _cap(part: str) -> str:
    return part[:1].upper() + part[1:].lower()


def _tidy_word(word: str, first: bool) -> str:
    if any(c.isdigit() for c in word):
        return word.lower() if _ORDINAL.match(word) else word.upper()
    if word.upper().strip(".") in _KEEP_UPPER:
        return word.upper()
    if not first and word.lower() in _PARTICLES:
        return word.lower()
    # "l'église" -> "l'Église", "saint-étienne" -> "Saint-Étienne", "o'neill" -> "O'Neill"
    head, apostrophe, tail = word.partition("'")
    if apostrophe and tail:
        head = head.lower() if head.lower() in {"l", "d"} and not first else _cap(head)
        return head + "'" + _hyphenated(tail)
    return _hyphenated(word)


def _hyphenated(word: str) -> str:
    # "saint-germain-des-prés" -> "Saint-Germain-des-Prés"
    parts = word.split("-")
    return "-".join(p.lower() if i and p.lower() in _PARTICLES else _cap(p) for i, p in enumerate(parts))


def tidy_case(text: str) -> str:
    """Title case for text written all in capitals or all in small letters; mixed case is kept."""
    letters = [c for c in text if c.isalpha()]
    if not letters or not (all(c.isupper() for c in letters) or all(c.islower() for c in letters)):
        return text
    return " ".join(_tidy_word(w, i == 0) for i, w in enumerate(text.split(" ")))


def _digits(
    size: int, pad_from: int | None = None, prefixes: tuple[str, ...] = (), zero_area: bool = True
) -> Callable[[str], str]:
    def check(raw: str) -> str:
        text = raw.replace(" ", "")
        for prefix in prefixes:
            if text.startswith(prefix):
                text = text[len(prefix) :]
                break
        # Spreadsheets drop leading zeros ("1000" for Bourg-en-Bresse 01000): put them back.
        if pad_from is not None and text.isdigit() and pad_from <= len(text) < size:
            text = text.zfill(size)
        if not (text.isascii() and text.isdigit() and len(text) == size):
            raise ValueError(f"{size} digits")
        if not zero_area and text.startswith("00"):
            raise ValueError(f"{size} digits, not starting with 00")
        return text

    return check


_GB = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")
_NL = re.compile(r"^([1-9][0-9]{3})([A-Z]{2})$")
_US = re.compile(r"^([0-9]{5})(?:-?([0-9]{4}))?$")


def _gb(raw: str) -> str:
    text = raw.replace(" ", "")
    if text == "GIR0AA":  # Girobank's historic non-geographic code, still in use
        return "GIR 0AA"
    match = _GB.match(text)
    if not match:
        raise ValueError('an outward and an inward code, e.g. "SW1A 1AA"')
    return f"{match[1]} {match[2]}"


def _nl(raw: str) -> str:
    match = _NL.match(raw.replace(" ", ""))
    if not match or match[2] in {"SA", "SD", "SS"}:
        raise ValueError('4 digits and 2 letters, e.g. "1012 AB"')
    return f"{match[1]} {match[2]}"


def _us(raw: str) -> str:
    text = raw.replace(" ", "")
    if text.isdigit() and len(text) == 4:  # a ZIP that lost its leading zero in a spreadsheet
        text = "0" + text
    match = _US.match(text)
    if not match:
        raise ValueError('a ZIP code of 5 digits or ZIP+4, e.g. "20500" or "20500-0003"')
    return f"{match[1]}-{match[2]}" if match[2] else match[1]


def _es(raw: str) -> str:
    text = _digits(5)(raw)
    if not 1 <= int(text[:2]) <= 52:
        raise ValueError("5 digits starting with a province number 01-52")
    return text


# One check per country, returning the postcode as it is written there.
POSTCODE_RULES: dict[str, Callable[[str], str]] = {
    "FR": _digits(5, pad_from=4, prefixes=("F-",), zero_area=False),
    "DE": _digits(5, pad_from=4, prefixes=("DE-", "D-"), zero_area=False),
    "GB": _gb,
    "US": _us,
    "AT": _digits(4, prefixes=("AT-", "A-")),
    "BE": _digits(4, prefixes=("BE-", "B-")),
    "CH": _digits(4, prefixes=("CH-",)),
    "LU": _digits(4, prefixes=("LU-", "L-")),
    "ES": _es,
    "IT": _digits(5, prefixes=("IT-", "I-")),
    "NL": _nl,
}
_OTHER = re.compile(r"^[A-Z0-9][A-Z0-9 -]{1,11}$")


@lru_cache(maxsize=65536)
def normalise_postcode(raw: str, country: str) -> str:
    """The postcode as written in `country` ("sw1a1aa", GB -> "SW1A 1AA"), or AddressError."""
    text = _SPACES.sub(" ", raw).strip().upper()
    country = country.upper()
    rule = POSTCODE_RULES.get(country)
    if not text:
        if rule is None:
            return ""
        raise AddressError("postcode", f"a postcode is required in {country}")
    if rule is None:
        if not _OTHER.match(text):
            raise AddressError("postcode", f"{raw!r} is not a postcode")
        return text
    try:
        return rule(text)
    except ValueError as exc:
        raise AddressError("postcode", f"{raw!r} is not a postcode of {country}: expected {exc}") from None


@lru_cache(maxsize=65536)
def normalise_city(raw: str) -> str:
    return tidy_case(tidy_spacing(raw))


def normalise_address(line: str, postcode: str, city: str, country: str) -> Address:
    """One postal address, tidied, or AddressError naming the part that is wrong."""
    country = country.strip().upper()
    tidy_line = tidy_case(tidy_spacing(line))
    tidy_city = normalise_city(city)
    if not tidy_line:
        raise AddressError("address_line", "the street address is missing")
    if len(tidy_line) > 200:
        raise AddressError("address_line", "longer than 200 characters")
    if not tidy_city:
        raise AddressError("city", "the city is missing")
    if len(tidy_city) > 100:
        raise AddressError("city", "longer than 100 characters")
    return Address(tidy_line, normalise_postcode(postcode, country), tidy_city, country)
