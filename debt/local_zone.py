"""The time zone a debtor lives in, for the calling hours: from the phone number, else the address.

The number being called comes first: its area or its operator's territory (+262 is Réunion). When
it tells nothing (an e-mail, a US toll-free or multi-zone number), the postal address does: the
French overseas departments by their postcode, US states by the first digits of the ZIP code, any
other country by its main zone.
"""

from __future__ import annotations

from debt.phones import MAIN_ZONE, timezone_of

# France outside Europe, by the first 3 digits of the postcode (La Poste), and the same places by
# their own ISO country codes, which some addresses carry instead of FR.
FR_OVERSEAS = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "975": "America/Miquelon",
    "976": "Indian/Mayotte",
    "977": "America/St_Barthelemy",
    "978": "America/Marigot",
    "986": "Pacific/Wallis",
    "987": "Pacific/Tahiti",
    "988": "Pacific/Noumea",
}
OVERSEAS_COUNTRIES = {
    "GP": "America/Guadeloupe",
    "MQ": "America/Martinique",
    "GF": "America/Cayenne",
    "RE": "Indian/Reunion",
    "PM": "America/Miquelon",
    "YT": "Indian/Mayotte",
    "BL": "America/St_Barthelemy",
    "MF": "America/Marigot",
    "WF": "Pacific/Wallis",
    "PF": "Pacific/Tahiti",
    "NC": "Pacific/Noumea",
}
COUNTRY_ZONE = {**MAIN_ZONE, **OVERSEAS_COUNTRIES, "MC": "Europe/Monaco", "US": "America/New_York"}

# A rough map of ZIP codes to zones, by their first digits (the longest prefix wins). ZIP ranges
# follow states, and several states straddle two zones (Tennessee, Kentucky, the Dakotas, Idaho,
# western Texas, Florida's panhandle): each range gets the zone most of its people live in. Good
# enough for calling hours when the phone number says nothing; a known phone zone comes first.
US_ZIP_ZONE = {
    "0": "America/New_York",  # New England, New Jersey
    "006": "America/Puerto_Rico",
    "007": "America/Puerto_Rico",
    "008": "America/St_Thomas",  # US Virgin Islands
    "009": "America/Puerto_Rico",
    "1": "America/New_York",  # New York, Pennsylvania, Delaware
    "2": "America/New_York",  # the Carolinas, Virginias, Maryland, DC
    "3": "America/New_York",  # Georgia, Florida
    "324": "America/Chicago",  # Florida's panhandle
    "325": "America/Chicago",
    "35": "America/Chicago",  # Alabama
    "36": "America/Chicago",
    "370": "America/Chicago",  # middle and western Tennessee
    "371": "America/Chicago",
    "372": "America/Chicago",
    "38": "America/Chicago",  # Memphis, Mississippi
    "39": "America/Chicago",
    "4": "America/New_York",  # Ohio, Michigan, Indiana, Kentucky
    "5": "America/Chicago",  # Iowa, Minnesota, Wisconsin, the Dakotas
    "59": "America/Denver",  # Montana
    "6": "America/Chicago",  # Illinois, Missouri, Kansas, Nebraska
    "7": "America/Chicago",  # Texas, Oklahoma, Arkansas, Louisiana
    "798": "America/Denver",  # El Paso
    "799": "America/Denver",
    "8": "America/Denver",  # Colorado, Wyoming, Idaho, Utah, New Mexico
    "85": "America/Phoenix",  # Arizona keeps standard time all year
    "86": "America/Phoenix",
    "889": "America/Los_Angeles",  # Nevada
    "89": "America/Los_Angeles",
    "9": "America/Los_Angeles",  # California, Oregon, Washington
    "967": "Pacific/Honolulu",
    "968": "Pacific/Honolulu",
    "969": "Pacific/Guam",
    "995": "America/Anchorage",
    "996": "America/Anchorage",
    "997": "America/Anchorage",
    "998": "America/Anchorage",
    "999": "America/Anchorage",
}


def _digits(postcode: str, width: int) -> str:
    """The leading digits of a postcode, with the zeros a spreadsheet dropped put back ("2134")."""
    compact = postcode.strip().split("-")[0].replace(" ", "")
    return compact.zfill(width) if compact.isdigit() else compact


def _by_prefix(table: dict[str, str], code: str) -> str | None:
    for length in (3, 2, 1):
        zone = table.get(code[:length])
        if zone is not None:
            return zone
    return None


def zone_from_address(country: str | None, postcode: str | None) -> str | None:
    """The zone of a postal address: overseas France and US states by postcode, else the country's."""
    if not country:
        return None
    country = country.strip().upper()
    if postcode and country == "FR":
        zone = FR_OVERSEAS.get(_digits(postcode, 5)[:3])
        if zone is not None:
            return zone
    if postcode and country == "US":
        zone = _by_prefix(US_ZIP_ZONE, _digits(postcode, 5))
        if zone is not None:
            return zone
    return COUNTRY_ZONE.get(country)


def zone_for(phone: str | None, country: str | None, postcode: str | None) -> str | None:
    """The debtor's zone: the phone number's (E.164) when it tells one, else the address's, else None."""
    return (phone and timezone_of(phone)) or zone_from_address(country, postcode)
