"""The debtor's zone: the phone number's, else the postal address's (overseas France, US ZIP codes)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, available_timezones

import pytest

from debt.local_zone import COUNTRY_ZONE, FR_OVERSEAS, US_ZIP_ZONE, zone_for


@pytest.mark.parametrize(
    ("country", "postcode", "zone"),
    [
        ("FR", "97110", "America/Guadeloupe"),  # Pointe-à-Pitre
        ("FR", "97200", "America/Martinique"),  # Fort-de-France
        ("FR", "97300", "America/Cayenne"),
        ("FR", "97400", "Indian/Reunion"),  # Saint-Denis
        ("FR", "97500", "America/Miquelon"),
        ("FR", "97600", "Indian/Mayotte"),
        ("FR", "97 4 90", "Indian/Reunion"),  # spaces as typed
        ("fr", "97400", "Indian/Reunion"),
        ("FR", "75011", "Europe/Paris"),
        ("FR", "1000", "Europe/Paris"),  # 01000 without its zero
        ("FR", None, "Europe/Paris"),
        ("FR", "", "Europe/Paris"),
        ("RE", "97400", "Indian/Reunion"),  # overseas France under its own country code
        ("GP", None, "America/Guadeloupe"),
        ("DE", "10827", "Europe/Berlin"),
        ("GB", "M1 1AE", "Europe/London"),
        ("BE", "1000", "Europe/Brussels"),
        ("US", "10001", "America/New_York"),
        ("US", "2134", "America/New_York"),  # Boston, 02134 without its zero
        ("US", "60601-1234", "America/Chicago"),  # ZIP+4
        ("US", "37203", "America/Chicago"),  # Nashville
        ("US", "37902", "America/New_York"),  # Knoxville
        ("US", "32501", "America/Chicago"),  # Pensacola, in Florida's panhandle
        ("US", "33101", "America/New_York"),  # Miami
        ("US", "79901", "America/Denver"),  # El Paso
        ("US", "75201", "America/Chicago"),  # Dallas
        ("US", "80202", "America/Denver"),
        ("US", "85004", "America/Phoenix"),
        ("US", "89101", "America/Los_Angeles"),  # Las Vegas
        ("US", "94105", "America/Los_Angeles"),
        ("US", "96813", "Pacific/Honolulu"),
        ("US", "99501", "America/Anchorage"),
        ("US", "00901", "America/Puerto_Rico"),
        ("US", None, "America/New_York"),  # no ZIP: the country's main zone
        ("US", "ABCDE", "America/New_York"),
        ("ES", "28001", "Europe/Madrid"),
        ("BR", "01000-000", None),  # a country we have no zone for
        (None, "97400", None),  # a postcode alone says nothing
    ],
)
def test_zone_of_an_address(country: str | None, postcode: str | None, zone: str | None) -> None:
    assert zone_for(None, country, postcode) == zone


def test_the_phone_comes_first() -> None:
    assert zone_for("+33639980012", "FR", "97400") == "Europe/Paris"
    assert zone_for("+14155550123", "US", "10001") == "America/Los_Angeles"
    assert zone_for("+590690123456", "FR", "75011") == "America/Guadeloupe"


@pytest.mark.parametrize(
    ("phone", "country", "postcode", "zone"),
    [
        ("+262692123456", "FR", "97400", "Indian/Reunion"),  # +262 is both Réunion and Mayotte
        ("+262692123456", "FR", "97600", "Indian/Mayotte"),
        ("+18005550199", "US", "94105", "America/Los_Angeles"),  # toll-free: anywhere
        ("jeanne.dupont@example.fr", "FR", "97200", "America/Martinique"),
        ("", "FR", "97300", "America/Cayenne"),
        ("+262692123456", None, None, None),
    ],
)
def test_the_address_when_the_phone_tells_nothing(
    phone: str, country: str | None, postcode: str | None, zone: str | None
) -> None:
    assert zone_for(phone, country, postcode) == zone


def test_every_zone_in_the_tables_exists() -> None:
    known = available_timezones()
    for zone in {*FR_OVERSEAS.values(), *US_ZIP_ZONE.values(), *COUNTRY_ZONE.values()}:
        assert zone in known, zone
        ZoneInfo(zone)
