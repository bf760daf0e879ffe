"""Phone numbers: read as written, store as E.164, and know the time zone for calling windows."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat
from phonenumbers import timezone as phone_timezone

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


@lru_cache(maxsize=4096)
def timezone_of(e164: str) -> str | None:
    """The IANA time zone of the number's area, or None when unknown or ambiguous (a US toll-free)."""
    try:
        number = phonenumbers.parse(e164)
    except NumberParseException:
        return None
    region = region_of(number)
    zones = [z for z in phone_timezone.time_zones_for_number(number) if z != _UNKNOWN_ZONE]
    main = MAIN_ZONE.get(region)
    if not zones:
        return main
    if len(zones) == 1:
        return zones[0]
    return main if main in zones else None


# The language people of a number's country most likely read, where one of ours is clear.
_REGION_LANGUAGE = {"FR": "fr", "BE": "fr", "LU": "fr", "MC": "fr", "DE": "de", "AT": "de", "LI": "de"}
_REGION_LANGUAGE |= {"GB": "en", "IE": "en", "US": "en", "CA": "en", "AU": "en", "NZ": "en"}


def language_of(e164: str) -> str | None:
    """fr, de or en from the number's country (a first guess for an unknown sender), else None."""
    try:
        return _REGION_LANGUAGE.get(region_of(phonenumbers.parse(e164)))
    except NumberParseException:
        return None
