"""Phone numbers: read as written, store as E.164, and know the time zone for calling windows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, NumberParseException, PhoneNumberFormat, PhoneNumberType
from phonenumbers import timezone as phone_timezone
from phonenumbers.tzdata import TIMEZONE_DATA

# Ranges reserved for drama and fiction, which phonenumbers rejects on purpose. They never reach a
# person, so demos and tests can use them: (country, first national number, last national number).
# Ofcom: 07700 900000–900999; ARCEP: 06 39 98 00 00–06 39 98 99 99.
FICTION_RANGES: tuple[tuple[str, int, int], ...] = (
    ("GB", 7700900000, 7700900999),
    ("FR", 639980000, 639989999),
)

# Where a number maps to several zones of one civil time (GB: London, Jersey, ...), the main one.
MAIN_ZONE = {
    "AT": "Europe/Vienna",
    "BE": "Europe/Brussels",
    "CH": "Europe/Zurich",
    "DE": "Europe/Berlin",
    "ES": "Europe/Madrid",
    "FR": "Europe/Paris",
    "GB": "Europe/London",
    "IE": "Europe/Dublin",
    "IT": "Europe/Rome",
    "LU": "Europe/Luxembourg",
    "NL": "Europe/Amsterdam",
}
_UNKNOWN_ZONE = "Etc/Unknown"
_MOBILE_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


class PhoneError(ValueError):
    """The text is not a phone number we can call or text."""


def region_of(number: phonenumbers.PhoneNumber) -> str:
    """The country of a number; for one outside the known ranges, the main country of its code."""
    return phonenumbers.region_code_for_number(number) or phonenumbers.region_code_for_country_code(
        number.country_code
    )


def _is_fiction(number: phonenumbers.PhoneNumber) -> bool:
    region = region_of(number)
    return any(
        region == country and first <= number.national_number <= last
        for country, first, last in FICTION_RANGES
    )


def parse_phone(raw: str, country: str | None = None) -> phonenumbers.PhoneNumber:
    """Parse `raw` (international, or national for `country`) into a valid number."""
    text = raw.strip()
    if not text:
        raise PhoneError("empty phone number")
    if text.startswith("00"):
        text = "+" + text[2:]
    region = country.upper() if country and not text.startswith("+") else None
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        if exc.error_type == NumberParseException.INVALID_COUNTRY_CODE:
            if text.startswith("+"):
                raise PhoneError(f"{raw!r}: unknown country code") from None
            raise PhoneError(f"{raw!r}: no country code and no country to read it with") from None
        raise PhoneError(f"{raw!r} is not a phone number") from None
    if not (phonenumbers.is_valid_number(number) or _is_fiction(number)):
        raise PhoneError(f"{raw!r} is not a valid number in {region_of(number)}")
    return number


def normalise_phone(raw: str, country: str | None = None) -> str:
    """E.164 form of `raw` ("06 12 34 56 78", FR -> "+33612345678"), or PhoneError."""
    return phonenumbers.format_number(parse_phone(raw, country), PhoneNumberFormat.E164)


def timezone_of(e164: str) -> str | None:
    """The IANA time zone of the number's area, or None when unknown or ambiguous (a US toll-free)."""
    return settled_zone(e164) or _timezone_by_parse(e164)


@lru_cache(maxsize=4096)
def _timezone_by_parse(e164: str) -> str | None:
    try:
        number = phonenumbers.parse(e164)
    except NumberParseException:
        return None
    zones = phone_timezone.time_zones_for_number(number)
    return _as_timezone_of(zones, region_of(number))


def _as_timezone_of(zones: Sequence[str], region: str) -> str | None:
    """One zone of phonenumbers' list for a number of `region`: the only one, else the main one."""
    known = [zone for zone in zones if zone != _UNKNOWN_ZONE]
    main = MAIN_ZONE.get(region)
    if not known:
        return main
    if len(known) == 1:
        return known[0]
    return main if main in known else None


# Telling a number's zone costs a parse (60 µs): a minute for a million numbers. For a country code
# that belongs to one region, every number gets one of the zone lists phonenumbers files under the
# code; where all of them read as the same zone (France, Germany, Benelux, Switzerland, Austria),
# the code settles it without a parse.
def _zones_settled_by_code() -> dict[str, str]:
    settled = {}
    for code, regions in COUNTRY_CODE_TO_REGION_CODE.items():
        prefix = str(code)
        if len(regions) != 1:
            continue
        filed = [
            zones for key, zones in TIMEZONE_DATA.items() if key.startswith(prefix) or prefix.startswith(key)
        ]
        answers = {_as_timezone_of(zones, regions[0]) for zones in (*filed, (_UNKNOWN_ZONE,))}
        if len(answers) == 1 and None not in answers:
            settled[prefix] = answers.pop()
    return settled


SETTLED_ZONES = _zones_settled_by_code()
_SETTLED_PREFIXES = {f"+{code}": zone for code, zone in SETTLED_ZONES.items()}


def settled_zone(e164: str) -> str | None:
    """The zone of `e164` when its country code alone settles it, else None (a parse tells)."""
    # Calling codes are prefix-free: a number that starts with one has that code.
    code = e164[:3] if e164[:3] in _SETTLED_PREFIXES else e164[:4]
    zone = _SETTLED_PREFIXES.get(code)
    # phonenumbers reads 2 to 17 national digits; outside, the parse fails and tells no zone.
    if zone is None or not 2 <= len(e164) - len(code) <= 17 or not (e164.isascii() and e164[1:].isdigit()):
        return None
    return zone


def _stored_number(e164: str) -> phonenumbers.PhoneNumber | None:
    """A stored E.164 number as phonenumbers.parse reads it, built without the parse where that is
    plain (two thirds of the cost of telling a mobile)."""
    digits = e164[1:]
    if e164.startswith("+") and digits.isascii() and digits.isdigit() and not digits.startswith("0"):
        for length in (1, 2, 3):
            code, national = int(digits[:length]), digits[length:]
            if code in COUNTRY_CODE_TO_REGION_CODE and 2 <= len(national) <= 17 and national[0] != "0":
                return phonenumbers.PhoneNumber(country_code=code, national_number=int(national))
    try:
        return phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return None


def is_mobile(e164: str) -> bool:
    """A mobile number (or one of the fiction ranges, all mobile): it reaches the person and takes SMS."""
    number = _stored_number(e164)
    if number is None:
        return False
    if phonenumbers.number_type(number) in _MOBILE_TYPES:
        return True
    return _is_fiction(number)


def preferred_phone(newest_first: Iterable[tuple[str, bool | None]]) -> str | None:
    """The phone to contact of a debtor's valid phones, given newest first as (number, mobile): the
    newest mobile (it reaches the person, not the household, and takes SMS), else the newest.
    `mobile` as stored with the number; None: worked out here."""
    newest = None
    for number, mobile in newest_first:
        if is_mobile(number) if mobile is None else mobile:
            return number
        newest = newest or number
    return newest


# A phone contact point's stored zone when its number tells none (NULL: not worked out yet).
NO_ZONE = ""


def phone_facts(e164: str) -> tuple[str, bool]:
    """What a phone contact point keeps of its number: its zone (timezone_of, or NO_ZONE) and whether it
    is a mobile. Every writer of contact points stores these (debt/models/people.py, the import)."""
    return timezone_of(e164) or NO_ZONE, is_mobile(e164)


# The language people of a number's country most likely read, where one of ours is clear.
_REGION_LANGUAGE = {"FR": "fr", "BE": "fr", "LU": "fr", "MC": "fr", "DE": "de", "AT": "de", "LI": "de"}
_REGION_LANGUAGE |= {"GB": "en", "IE": "en", "US": "en", "CA": "en", "AU": "en", "NZ": "en"}


def language_of(e164: str) -> str | None:
    """fr, de or en from the number's country (a first guess for an unknown sender), else None."""
    try:
        return _REGION_LANGUAGE.get(region_of(phonenumbers.parse(e164)))
    except NumberParseException:
        return None
