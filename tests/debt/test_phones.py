"""Phone numbers: E.164 out of any usual spelling, a clear refusal otherwise, the zone for calling hours."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session, select

from debt.db import make_engine
from debt.models import ContactKind, ContactPoint
from debt.phones import (
    NO_ZONE,
    SETTLED_ZONES,
    PhoneError,
    _timezone_by_parse,
    is_mobile,
    normalise_phone,
    preferred_phone,
    settled_zone,
    timezone_of,
)
from tests.factories import make_account


@pytest.mark.parametrize(
    ("raw", "country", "e164"),
    [
        ("06 12 34 56 78", "FR", "+33612345678"),
        ("06.12.34.56.78", "fr", "+33612345678"),
        ("+33 6 12 34 56 78", None, "+33612345678"),
        ("0033612345678", "DE", "+33612345678"),  # international wins over the row's country
        ("0152 28817123", "DE", "+4915228817123"),
        ("(0)152-28817123", "DE", "+4915228817123"),
        ("020 7946 0123", "GB", "+442079460123"),
        ("(212) 555-0143", "US", "+12125550143"),
    ],
)
def test_national_and_international_spellings_become_e164(raw: str, country: str | None, e164: str) -> None:
    assert normalise_phone(raw, country) == e164


@pytest.mark.parametrize(
    ("raw", "country", "e164"),
    [
        ("07700 900000", "GB", "+447700900000"),  # Ofcom drama range
        ("07700 900999", "GB", "+447700900999"),
        ("06 39 98 00 00", "FR", "+33639980000"),  # ARCEP fiction range
        ("+33 6 39 98 99 99", None, "+33639989999"),
    ],
)
def test_numbers_reserved_for_fiction_are_accepted(raw: str, country: str | None, e164: str) -> None:
    assert normalise_phone(raw, country) == e164


@pytest.mark.parametrize(
    ("raw", "country", "message"),
    [
        ("07700 901000", "GB", "'07700 901000' is not a valid number in GB"),  # just outside the range
        ("12", "FR", "'12' is not a valid number in FR"),
        ("06 12 34", "FR", "'06 12 34' is not a valid number in FR"),
        ("call me", "FR", "'call me' is not a phone number"),
        ("0612345678", None, "'0612345678': no country code and no country to read it with"),
        ("+999 1234567", None, "'+999 1234567': unknown country code"),
        ("   ", "FR", "empty phone number"),
    ],
)
def test_what_is_not_a_number_is_refused_with_a_reason(raw: str, country: str | None, message: str) -> None:
    with pytest.raises(PhoneError) as exc:
        normalise_phone(raw, country)
    assert str(exc.value) == message


@given(st.integers(min_value=0, max_value=99_999_999), st.sampled_from(["6", "7"]))
def test_normalising_is_idempotent(digits: int, kind: str) -> None:
    try:
        e164 = normalise_phone(f"0{kind}{digits:08d}", "FR")
    except PhoneError:
        return
    assert normalise_phone(e164) == e164
    assert normalise_phone(e164, "GB") == e164


@pytest.mark.parametrize(
    ("e164", "zone"),
    [
        ("+33612345678", "Europe/Paris"),
        ("+33639981234", "Europe/Paris"),  # fiction range: the country's zone
        ("+447700900123", "Europe/London"),
        ("+442079460123", "Europe/London"),  # one of several British zones: London
        ("+4915228817123", "Europe/Berlin"),
        ("+12125550143", "America/New_York"),
        ("+13105550143", "America/Los_Angeles"),
        ("+18005550100", None),  # US toll-free: any zone, the caller must assume the strictest
        ("not a number", None),
    ],
)
def test_timezone_of_a_number(e164: str, zone: str | None) -> None:
    assert timezone_of(e164) == zone


def test_the_zones_settled_by_country_code_are_those_a_parse_tells() -> None:
    rnd = random.Random(20261125)
    for code in [*SETTLED_ZONES, "44", "1", "34", "262"]:
        for length in range(0, 20):
            for _ in range(30):
                number = f"+{code}" + "".join(rnd.choice("0123456789") for _ in range(length))
                zone = settled_zone(number)
                assert zone is None or zone == _timezone_by_parse(number), number
                assert (zone is not None) == (code in SETTLED_ZONES and 2 <= length <= 17), number
                assert timezone_of(number) == _timezone_by_parse(number), number
    for odd in ("", "+", "33612345678", "+0336123456", "+33 612345678", "+３３612345678"):
        assert settled_zone(odd) is None


def test_a_phone_keeps_its_zone_and_kind_as_it_is_written(sqlite_url: str) -> None:
    with Session(make_engine(sqlite_url)) as session:
        debtor_id = make_account(session, phone="+13105550143").debtor_id
        toll_free = ContactPoint(debtor_id=debtor_id, kind=ContactKind.PHONE, value="+18005550100")
        session.add(toll_free)
        session.commit()
        points = session.exec(select(ContactPoint).where(ContactPoint.debtor_id == debtor_id)).all()
        facts = {point.value: (point.time_zone, point.mobile) for point in points}
        assert facts == {
            "+13105550143": ("America/Los_Angeles", True),
            "+18005550100": (NO_ZONE, False),
            "jeanne.dupont@example.fr": (None, None),
            "12 rue des Lilas, 75011 Paris": (None, None),
        }
        toll_free.value = "+12125550143"  # a number corrected in place: its facts follow
        session.add(toll_free)
        session.commit()
        assert (toll_free.time_zone, toll_free.mobile) == ("America/New_York", True)


@pytest.mark.parametrize(
    ("e164", "mobile"),
    [
        ("+33612345678", True),
        ("+33142685300", False),
        ("+33639981234", True),  # fiction range: mobile
        ("+447700900123", True),  # fiction range: mobile
        ("+442079460123", False),
        ("+4915228817123", True),
        ("+493012345678", False),
        ("+12125550143", True),  # fixed line or mobile: US numbers do not tell
        ("+18005550100", False),
        ("+0123", False),
        ("not a number", False),
    ],
)
def test_a_mobile_is_told_apart(e164: str, mobile: bool) -> None:
    assert is_mobile(e164) is mobile


@pytest.mark.parametrize(
    ("newest_first", "chosen"),
    [
        ([], None),
        ([("+33142685300", False)], "+33142685300"),  # a landline when there is nothing else
        ([("+33142685300", False), ("+33612345678", True)], "+33612345678"),  # the mobile, though older
        ([("+33611111111", True), ("+33622222222", True)], "+33611111111"),  # of two mobiles the newest
        ([("+33142685300", None), ("+33612345678", None)], "+33612345678"),  # not stored: worked out
        ([("+33612345678", False)], "+33612345678"),  # what is stored is believed
    ],
)
def test_the_phone_to_contact_is_the_newest_mobile_else_the_newest(
    newest_first: list[tuple[str, bool | None]], chosen: str | None
) -> None:
    assert preferred_phone(newest_first) == chosen
