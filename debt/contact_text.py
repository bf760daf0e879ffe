"""A new e-mail address or postal address found in what a debtor writes or says.

"12 rue des Lilas 75011 Paris", "Hauptstraße 5, 10115 Berlin", "221B Baker Street, London
NW1 6XE", "jean.dupont@gmail.com", "jean point dupont arobase gmail point com". An address
counts only whole (street line, postcode, city) and is tidied by debt.addresses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from debt.addresses import CITY_FIRST, AddressError, normalise_address
from debt.emails import EmailError, normalise_email
from debt.text import fold

MAX_CHARS = 2000

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
# Spoken e-mail addresses, in every language the bot speaks: who dictates one mixes them.
_SPOKEN_SYMBOLS = {
    "@": ("arobase", "arrobase", "arobas", "at", "klammeraffe", "aet", "ät"),
    ".": ("point", "punkt", "dot"),
    "_": ("underscore", "unterstrich", "tiret bas", "tiret du bas", "tiret du 8"),
    "-": ("tiret", "bindestrich", "dash", "hyphen", "minus"),
}
_SPOKEN = re.compile(
    r"\s*\b("
    + "|".join(sorted((w for ws in _SPOKEN_SYMBOLS.values() for w in ws), key=len, reverse=True))
    + r")\b\s*",
    re.IGNORECASE,
)
_SYMBOL_OF = {w: symbol for symbol, words in _SPOKEN_SYMBOLS.items() for w in words}

_L = r"[^\W\d_]"  # a letter
_WORD = rf"{_L}[\w'’.-]*"
# fmt: off
_FR_TYPES = (r"rue|avenue|av|ave|boulevard|bd|bld|blvd|place|pl|chemin|impasse|imp|all[ée]e|route|rte|quai"
             r"|cours|square|sq|r[ée]sidence|lotissement|hameau|lieu[- ]dit|cit[ée]|passage|villa|voie"
             r"|sentier|promenade|esplanade|faubourg|fbg|parvis|rond[- ]point|mont[ée]e|ruelle|traverse"
             r"|chauss[ée]e|domaine")
_DE_TYPES = (r"stra(?:ß|ss)e|str\.|weg|platz|allee|gasse|ring|damm|ufer|chaussee|steig|pfad|markt|graben"
             r"|wall|kai|zeile|hof|berg|feld|garten|anger")
_DE_ARTICLES = (r"am|an der|an den|an dem|auf der|auf dem|auf den|im|in der|in den|zum|zur|unter den"
                r"|hinter der|hinter dem|vor dem|beim")
_GB_TYPES = (r"street|st|road|rd|avenue|ave|lane|ln|close|drive|dr|way|place|pl|court|ct|crescent|cres"
             r"|gardens|gdns|terrace|grove|hill|square|sq|mews|row|walk|park|green|parade|rise|view|vale"
             r"|wharf|yard|gate|circus|embankment")
# fmt: on
_HOUSE = r"\d{1,4}"
# The start of a street line (FR: the name goes on to the postcode), or all of it (DE, GB).
_STREETS = (
    re.compile(rf"\b{_HOUSE}(?:\s?(?:bis|ter|quater)\b|[a-z]\b)?\s*,?\s*(?:{_FR_TYPES})\b\.?", re.IGNORECASE),
    re.compile(
        rf"(?:\b{_WORD}\s+(?:{_DE_TYPES})|\b{_L}[\w-]*?(?:{_DE_TYPES}))\s+{_HOUSE}\s?[a-z]?\b", re.IGNORECASE
    ),
    re.compile(
        rf"\b(?:(?:flat|apartment|apt|unit)\s+\w+\s*,?\s*)?{_HOUSE}[a-z]?\s*,?\s+(?:{_WORD}\s+){{1,4}}?"
        rf"(?:{_GB_TYPES})\b\.?",
        re.IGNORECASE,
    ),
    re.compile(rf"\b(?:{_DE_ARTICLES})\s+{_WORD}\s+{_HOUSE}\s?[a-z]?\b", re.IGNORECASE),
    re.compile(rf"\b(?:{_FR_TYPES})\b\.?\s+(?={_L})", re.IGNORECASE),
)
_NAME_TO_POSTCODE = (_STREETS[0], _STREETS[4])
_FIVE = r"(?<![\d-])(?:[A-Z]{1,2}-)?\d{5}(?![\d-])"
_FOUR = r"(?<![\d-])(?:[A-Z]{1,2}-)?\d{4}(?![\d-])"
_POSTCODES = {
    "FR": _FIVE,
    "DE": _FIVE,
    "IT": _FIVE,
    "ES": _FIVE,
    "AT": _FOUR,
    "BE": _FOUR,
    "CH": _FOUR,
    "LU": _FOUR,
    "NL": r"\b\d{4}\s?[A-Z]{2}\b",
    "GB": r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b",
}
# Words that end a city's name: what people write after their address.
_CITY_STOP = frozenset(
    {
        *(
            "et",
            "mon",
            "ma",
            "mes",
            "email",
            "mail",
            "e",
            "tel",
            "portable",
            "depuis",
            "merci",
            "cordialement",
        ),
        *("svp", "stp", "a", "des", "partir", "c", "est", "france"),
        *(
            "und",
            "meine",
            "mein",
            "seit",
            "ab",
            "danke",
            "bitte",
            "gruss",
            "gruesse",
            "lg",
            "mfg",
            "deutschland",
        ),
        *("and", "my", "phone", "from", "since", "thanks", "thank", "please", "cheers", "uk", "england"),
    }
)
_MAX_CITY_WORDS = 4
_MAX_GAP = 80  # characters between the street and the postcode


@dataclass(frozen=True)
class ContactUpdate:
    email: str | None = None
    address_line: str | None = None
    postcode: str | None = None
    city: str | None = None


def parse_contact_update(text: str, country: str) -> ContactUpdate | None:
    """The e-mail address and the postal address in the text (country: ISO code for postcodes), or None."""
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_CHARS:
        return None
    country = (country or "").strip().upper()
    email, rest = _email(text)
    address = _address(rest, country)
    if email is None and address is None:
        return None
    line, postcode, city = address or (None, None, None)
    return ContactUpdate(email, line, postcode, city)


def _email(text: str) -> tuple[str | None, str]:
    """The first valid e-mail address, typed or dictated, and the text without it."""
    for match in _EMAIL.finditer(text):
        try:
            return normalise_email(match.group().strip(".'-")), text[: match.start()] + " " + text[
                match.end() :
            ]
        except EmailError:
            continue
    spoken = _SPOKEN.sub(lambda m: _SYMBOL_OF[m.group(1).lower()], text)
    if spoken == text:
        return None, text
    for match in _EMAIL.finditer(spoken):
        try:
            return normalise_email(match.group().strip(".'-")), text
        except EmailError:
            continue
    return None, text


def _address(text: str, country: str) -> tuple[str, str, str] | None:
    postcode_pattern = _POSTCODES.get(country)
    if postcode_pattern is None:
        return None
    postcodes = re.compile(postcode_pattern, re.IGNORECASE)
    for street in _STREETS:
        for match in street.finditer(text):
            found = _complete(text, match, postcodes, country)
            if found is not None:
                return found
    return None


def _complete(
    text: str, street: re.Match[str], postcodes: re.Pattern[str], country: str
) -> tuple[str, str, str] | None:
    """The street found, its postcode after it and the city around that postcode, tidied."""
    rest = text[street.start() :]
    end = street.end() - street.start()
    postcode = postcodes.search(rest, end, end + _MAX_GAP)
    if postcode is None:
        return None
    head = rest[: postcode.start()]
    if street.re in _NAME_TO_POSTCODE:
        line, _, between = head.partition(",")
    else:
        line, between = street.group(), head[len(street.group()) :]
    before = _city_before(between)
    after = _city_after(rest[postcode.end() :])
    city = (before or after) if country in CITY_FIRST else (after or before)
    if city is None or len(line) > 120:
        return None
    try:
        address = normalise_address(line.strip(" ,.;:-"), postcode.group(), city, country)
    except AddressError:
        return None
    return address.line, address.postcode, address.city


def _city_after(text: str) -> str | None:
    words = re.match(rf"\s*[,.]?\s*((?:{_WORD}\s*)+)", text)
    return _city_words(words.group(1).split()) if words else None


def _city_before(text: str) -> str | None:
    chunk = text.strip(" ,.").rsplit(",", 1)[-1].strip(" ,.")
    words = chunk.split()
    if not words or len(words) > _MAX_CITY_WORDS or not all(re.fullmatch(_WORD, w) for w in words):
        return None
    return _city_words(words)


def _city_words(words: list[str]) -> str | None:
    kept: list[str] = []
    for word in words[:_MAX_CITY_WORDS]:
        if fold(word) in _CITY_STOP:
            break
        kept.append(word.strip(".,;:"))
    city = " ".join(w for w in kept if w)
    return city or None
